/** The piscina worker: each named export is a job. */
import type { MessagePort } from 'node:worker_threads';
import { type VerifyReport, verifyJournal } from './verify.ts';

export function verify({ dataDir, port }: { dataDir: string; port: MessagePort }): VerifyReport {
  try {
    return verifyJournal(dataDir, (done, total) => port.postMessage({ done, total }));
  } finally {
    port.close();
  }
}
