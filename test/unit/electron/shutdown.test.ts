import { describe, expect, it, vi } from 'vitest';
import { createShutdown } from '../../../src-main/electron/shutdown.ts';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('createShutdown', () => {
  it('runs the steps in order, each after the previous one finished', async () => {
    const order: string[] = [];
    const gate = deferred();
    const stop = createShutdown([
      {
        name: 'server',
        run: async () => {
          order.push('server:start');
          await gate.promise;
          order.push('server:end');
        },
      },
      { name: 'exchange', run: () => void order.push('exchange') },
      { name: 'jobs', run: async () => void order.push('jobs') },
    ]);
    const report = stop();
    await Promise.resolve();
    expect(order).toEqual(['server:start']);
    gate.resolve();
    const r = await report;
    expect(order).toEqual(['server:start', 'server:end', 'exchange', 'jobs']);
    expect(r.ok).toBe(true);
    expect(r.steps.map((s) => s.name)).toEqual(['server', 'exchange', 'jobs']);
  });

  it('runs once: a second request gets the same report', async () => {
    const run = vi.fn();
    const stop = createShutdown([{ name: 'only', run }]);
    const [a, b] = await Promise.all([stop(), stop()]);
    expect(a).toBe(b);
    expect(await stop()).toBe(a);
    expect(run).toHaveBeenCalledOnce();
  });

  it('keeps going after a failed step and reports it', async () => {
    const log = vi.fn();
    const closed = vi.fn();
    const stop = createShutdown(
      [
        {
          name: 'stop the API server',
          run: () => {
            throw new Error('socket hang');
          },
        },
        { name: 'close the exchange', run: closed },
      ],
      log,
    );
    const r = await stop();
    expect(closed).toHaveBeenCalledOnce();
    expect(r.ok).toBe(false);
    expect(r.steps[0]!.error?.message).toBe('socket hang');
    expect(r.steps[1]!.error).toBeNull();
    expect(log).toHaveBeenCalledWith('shutdown: stop the API server failed: socket hang');
  });
});
