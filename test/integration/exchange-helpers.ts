import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_INSTRUMENTS } from '../../src-main/host/demo-market.ts';
import type { Ack, Exchange } from '../../src-main/host/exchange.ts';
import { OrderFlow } from '../../src-main/host/flow.ts';

/** A fresh temporary data folder; remove() deletes it. */
export function tempDataDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'deskex-test-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const FUTURES = DEMO_INSTRUMENTS.filter((s) => s.kind === 'future');

/** Runs the seeded flow on an exchange: set-up, then `orders` steps; returns every ack in submission order. */
export async function runFlow(
  ex: Exchange,
  seed: number,
  accounts: number,
  orders: number,
  firstAccount = 1,
): Promise<Ack[]> {
  const flow = new OrderFlow({ seed, accounts, instruments: FUTURES, firstAccount });
  const acks = await Promise.all(flow.setup().map((c) => ex.submit(c)));
  for (const a of acks) if (!a.ok) throw new Error(`set-up refused: ${a.reject.code}`);
  const out: Promise<Ack>[] = [];
  for (let i = 0; i < orders; i++) {
    const cmd = flow.next();
    const p = ex.submit(cmd);
    out.push(p);
    if (cmd.kind === 'PlaceOrder') flow.placedOrder(ex.stats().lastSeq);
    // let batches form and commit while the flow goes on
    if (i % 500 === 499) await p;
  }
  return Promise.all(out);
}
