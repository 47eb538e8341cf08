import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseInUse, dbFile } from '../../../src-main/cli/folder.ts';
import { type Backend, DataDirInUseError, firstFreePort, startBackend } from '../../../src-main/electron/backend.ts';
import { Exchange } from '../../../src-main/host/exchange.ts';

let dir: string;
const running: Backend[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'deskex-backend-'));
});
afterEach(async () => {
  for (const b of running.splice(0)) await b.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function start(o: Partial<Parameters<typeof startBackend>[0]> = {}): Promise<Backend> {
  const b = await startBackend({ dataDir: join(dir, 'data'), ...o });
  running.push(b);
  return b;
}

function occupy(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const a = server.address();
      resolve({ server, port: typeof a === 'object' && a !== null ? a.port : 0 });
    });
  });
}

describe('startBackend', () => {
  it('serves the API on 127.0.0.1 from the data folder, the demo market and the first admin created', async () => {
    const b = await start();
    expect(b.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(b.port).toBeGreaterThan(0);
    expect((await fetch(`${b.url}/health`)).status).toBe(200);
    expect(b.firstAdminPasswordFile).toBe(join(dir, 'data', 'admin-password.txt'));
    expect(existsSync(b.firstAdminPasswordFile!)).toBe(true);
    expect(databaseInUse(dbFile(join(dir, 'data')))).toBe(true);
  });

  it('stops in order: server, exchange (journal flushed, snapshot written, database closed), job workers', async () => {
    const b = await start();
    const report = await b.stop();
    expect(report.ok).toBe(true);
    expect(report.steps.map((s) => s.name)).toEqual([
      'stop the API server (no more requests or orders)',
      'close the exchange (journal flushed, snapshot written, database closed)',
      'stop the job workers',
    ]);
    await expect(fetch(`${b.url}/health`)).rejects.toThrow();
    expect(databaseInUse(dbFile(join(dir, 'data')))).toBe(false);
    // the next start recovers from the snapshot written on close, replaying nothing
    const ex = await Exchange.open({ dataDir: join(dir, 'data') });
    try {
      expect(ex.recovery.lastSeq).toBeGreaterThan(0);
      expect(ex.recovery.snapshotSeq).toBe(ex.recovery.lastSeq);
      expect(ex.recovery.commandsReplayed).toBe(0);
    } finally {
      await ex.close();
    }
    expect(await b.stop()).toBe(report);
  });

  it('creates no second admin on the next start', async () => {
    await (await start()).stop();
    expect((await start()).firstAdminPasswordFile).toBeNull();
  });

  it('refuses a data folder another deskex has open', async () => {
    await start();
    await expect(start()).rejects.toBeInstanceOf(DataDirInUseError);
  });

  it('moves on to the next port when one is taken, and fails when it was the only one', async () => {
    const taken = await occupy();
    try {
      const b = await start({ ports: [taken.port, 0] });
      expect(b.port).not.toBe(taken.port);
      await b.stop();
      await expect(start({ ports: [taken.port] })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      // the failed start closed the exchange: the folder is free again
      expect(databaseInUse(dbFile(join(dir, 'data')))).toBe(false);
    } finally {
      taken.server.close();
    }
  });
});

describe('firstFreePort', () => {
  it('keeps a free port, skips a taken one, and returns the last candidate untested', async () => {
    const taken = await occupy();
    try {
      expect(await firstFreePort([0])).toBe(0);
      expect(await firstFreePort([taken.port, 0])).toBe(0);
      expect(await firstFreePort([taken.port])).toBe(taken.port);
      await expect(firstFreePort([])).rejects.toThrow(RangeError);
    } finally {
      taken.server.close();
    }
  });
});
