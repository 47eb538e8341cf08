/** The piscina worker: each named export is a job. */
import type { MessagePort } from 'node:worker_threads';
import { statementsCsv } from './statements-csv.ts';
import { type VerifyReport, verifyJournal } from './verify.ts';

export function verify({ dataDir, port }: { dataDir: string; port: MessagePort }): VerifyReport {
  try {
    return verifyJournal(dataDir, (done, total) => port.postMessage({ done, total }));
  } finally {
    port.close();
  }
}

export function statements({ dataDir, tradingDay }: { dataDir: string; tradingDay: number }): {
  csv: string;
  rows: number;
} {
  return statementsCsv(dataDir, tradingDay);
}
