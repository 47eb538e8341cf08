/**
 * Engine.applySteps(Settle): a host may settle in slices of any size, changing the size at every step (the running
 * exchange starts small while the code is cold); the events and the state are exactly those of one apply.
 */
import { describe, expect, it } from 'vitest';
import type { Command } from '../../src-engine/domain/commands.ts';
import { Engine } from '../../src-engine/engine.ts';
import { DEMO_INSTRUMENTS, demoMarketCommands } from '../../src-main/host/demo-market.ts';
import type { CommandInput } from '../../src-main/host/exchange.ts';
import { OrderFlow, Rng } from '../../src-main/host/flow.ts';

/** The demo market, a traded day of 60 accounts, every instrument closed: two engines in the same state. */
function tradedDay(): { a: Engine; b: Engine; next: (c: CommandInput) => Command } {
  const a = new Engine({ accounts: true });
  const b = new Engine({ accounts: true });
  let seq = 0;
  const next = (c: CommandInput): Command => {
    seq++;
    const cmd = { ...c, seq, ts: 1_700_000_000_000 + seq } as Command & { orderId?: number };
    if (cmd.kind === 'PlaceOrder') cmd.orderId = seq;
    return cmd;
  };
  const run = (c: CommandInput) => {
    const cmd = next(c);
    a.apply(cmd);
    b.apply(cmd);
    return cmd;
  };
  for (const c of demoMarketCommands()) run(c);
  const futures = DEMO_INSTRUMENTS.filter((s) => s.kind === 'future');
  const flow = new OrderFlow({ seed: 9, accounts: 60, instruments: futures, crossShare: 0.5 });
  for (const c of flow.setup()) run(c);
  for (let i = 0; i < 3_000; i++) {
    const c = flow.next();
    const cmd = run(c);
    if (cmd.kind === 'PlaceOrder') flow.placedOrder(cmd.seq);
  }
  for (const s of DEMO_INSTRUMENTS) run({ kind: 'SetPhase', instrumentId: s.id, phase: 'closed' });
  expect(a.stateHash()).toBe(b.stateHash());
  return { a, b, next };
}

describe('settlement in steps', () => {
  it('gives the events and state of one apply whatever slice sizes the host asks for, step by step', () => {
    const { a, b, next } = tradedDay();
    const settle = next({ kind: 'Settle' });
    const whole = a.apply(settle);
    expect(whole.ok).toBe(true);

    const rng = new Rng(20261129);
    const steps = b.applySteps(settle, 3);
    let x = steps.next();
    const done: number[] = [];
    while (!x.done) {
      done.push(x.value);
      x = steps.next(1 + rng.int(7));
    }
    // more than one step of accounts, counted in rising order
    expect(done.filter((n) => n > 0).length).toBeGreaterThan(5);
    expect(done).toEqual([...done].sort((p, q) => p - q));
    expect(JSON.stringify(x.value)).toBe(JSON.stringify(whole));
    expect(b.stateHash()).toBe(a.stateHash());
  });
});
