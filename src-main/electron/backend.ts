/**
 * The exchange and its API server in this process, for the desktop app (and the bundle run by plain Node): opens
 * the data folder (recovering it; the demo market on a new folder), serves the API and UI on 127.0.0.1, and stops
 * in order: stop taking requests and orders, close the exchange (what was queued is applied and journaled, a
 * snapshot is written, the database closed), then stop the job workers.
 */
import { createServer } from 'node:net';
import type { ApiServer } from '../api/server.ts';
import { databaseInUse, dbFile } from '../cli/folder.ts';
import { Exchange } from '../host/exchange.ts';
import { closeJobs } from '../host/jobs.ts';
import type { Durability } from '../store/database.ts';
import { createShutdown, type ShutdownReport } from './shutdown.ts';

export interface BackendOptions {
  readonly dataDir: string;
  /** Ports to try in order; 0 picks a free one (default [0]). Only "in use" moves on to the next. */
  readonly ports?: readonly number[];
  readonly shards?: number;
  readonly durability?: Durability;
  readonly log?: (message: string) => void;
}

export interface Backend {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Set on the first start of a data folder: the file holding the generated password of the "admin" user. */
  readonly firstAdminPasswordFile: string | null;
  /** Stops everything, once; later calls return the first call's report. */
  stop(): Promise<ShutdownReport>;
}

/** The data folder is open in another process (a running `deskex serve`, another app instance, an export). */
export class DataDirInUseError extends Error {
  constructor(readonly dataDir: string) {
    super(`the data folder ${dataDir} is in use by another deskex (a running "deskex serve"?): stop it first`);
    this.name = 'DataDirInUseError';
  }
}

export async function startBackend(o: BackendOptions): Promise<Backend> {
  const log = o.log ?? (() => {});
  if (databaseInUse(dbFile(o.dataDir))) throw new DataDirInUseError(o.dataDir);
  const exchange = await Exchange.open({
    dataDir: o.dataDir,
    demo: true,
    ...(o.shards !== undefined ? { shards: o.shards } : {}),
    ...(o.durability !== undefined ? { durability: o.durability } : {}),
  });
  let server: ApiServer;
  try {
    const port = await firstFreePort(o.ports ?? [0]);
    // loaded after the exchange is open: the API server (fastify and its plugins) is most of the start-up time
    const { startServer } = await import('../api/server.ts');
    let listening = port;
    server = await startServer(exchange, o.dataDir, {
      host: '127.0.0.1',
      port,
      tuning: () => ({ mode: 'desktop', dataDir: o.dataDir, host: '127.0.0.1', port: listening }),
    });
    listening = server.port;
  } catch (e) {
    await exchange.close();
    await closeJobs();
    throw e;
  }
  const stop = createShutdown(
    [
      { name: 'stop the API server (no more requests or orders)', run: () => server.close() },
      { name: 'close the exchange (journal flushed, snapshot written, database closed)', run: () => exchange.close() },
      { name: 'stop the job workers', run: () => closeJobs() },
    ],
    log,
  );
  return {
    url: server.url,
    port: server.port,
    dataDir: o.dataDir,
    firstAdminPasswordFile: server.firstAdmin?.passwordFile ?? null,
    stop,
  };
}

/**
 * The first port of the list that can be bound on 127.0.0.1 now (0: a free one, chosen by the server). Probed with a
 * bare listener, so a port in use costs no half-started API server.
 */
export async function firstFreePort(ports: readonly number[]): Promise<number> {
  if (ports.length === 0) throw new RangeError('no port to listen on');
  for (let i = 0; i < ports.length - 1; i++) {
    const port = ports[i]!;
    if (port === 0 || (await canListen(port))) return port;
  }
  return ports[ports.length - 1]!;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE' || e.code === 'EACCES') resolve(false);
      else reject(e);
    });
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(true)));
  });
}
