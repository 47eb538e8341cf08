/**
 * Crash rounds: start the child, let it acknowledge a random number of commands, SIGKILL it, then recover the data
 * folder in this process and check that every acknowledged command is in the journal with the same result, that
 * the recovered state passes every invariant (money conserved), and that its hash equals a clean replay's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Exchange } from '../../src-main/host/exchange.ts';
import type { Rng } from '../../src-main/host/flow.ts';
import { cleanReplay } from '../integration/exchange-helpers.ts';

const CHILD = new URL('./crash-child.ts', import.meta.url).pathname;

export interface RoundResult {
  readonly acked: number;
  readonly maxAckedSeq: number;
  readonly recoveredSeq: number;
  readonly replayedCommands: number;
  readonly droppedBatch: boolean;
}

/** Runs the child until it has acknowledged `killAfter` commands, then kills it; returns seq -> result digest. */
async function runChild(
  dataDir: string,
  seed: number,
  durability: string,
  killAfter: number,
  killDelayMs: number,
): Promise<Map<number, number>> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, String(seed), durability], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acked = new Map<number, number>();
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve, reject) => {
    let buf = '';
    let killed = false;
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        nl = buf.indexOf('\n');
        if (line.startsWith('A ')) {
          const [, seq, digest] = line.split(' ');
          acked.set(Number(seq), Number(digest));
        }
      }
      if (!killed && acked.size >= killAfter) {
        killed = true;
        // The crash moment: 0-40 ms after the threshold, while the child keeps applying and committing batches.
        // (Nothing waits on this timer for correctness; it only picks when the power goes off.)
        setTimeout(() => child.kill('SIGKILL'), killDelayMs);
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' && killed) resolve(acked);
      else reject(new Error(`crash child ended on its own (code ${code}, signal ${signal}): ${stderr}`));
    });
  });
}

export async function crashRound(dataDir: string, rng: Rng, durability: 'batched' | 'strict'): Promise<RoundResult> {
  const killAfter = 100 + rng.int(3_000);
  const acked = await runChild(dataDir, rng.next(), durability, killAfter, rng.int(41));
  const ex = await Exchange.open({ dataDir }); // recovery: snapshot + journal, invariants checked
  try {
    const recoveredSeq = ex.stats().lastSeq;
    const hash = ex.engine.stateHash();
    ex.engine.validateInternalState();
    let maxAckedSeq = 0;
    for (const s of acked.keys()) if (s > maxAckedSeq) maxAckedSeq = s;
    if (recoveredSeq < maxAckedSeq)
      throw new Error(`acknowledged seq ${maxAckedSeq} lost: recovered to ${recoveredSeq}`);
    const replay = cleanReplay(dataDir);
    for (const [seq, digest] of acked) {
      const got = replay.digests.get(seq);
      if (got !== digest) throw new Error(`seq ${seq}: acknowledged result ${digest}, journal replays to ${got}`);
    }
    if (replay.hash !== hash) throw new Error(`recovered hash ${hash} != clean replay hash ${replay.hash}`);
    return {
      acked: acked.size,
      maxAckedSeq,
      recoveredSeq,
      replayedCommands: ex.recovery.commandsReplayed,
      droppedBatch: ex.recovery.droppedBatch !== null,
    };
  } finally {
    // stop without a snapshot so the next round starts from the child's own snapshots and journal (and without leaving
    // the writer, checkpointer and timers of every round running in this process)
    await ex.halt();
  }
}
