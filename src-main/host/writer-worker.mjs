/**
 * The exchange's database writer (src-main/host/writer.ts): its own connection to the exchange's database runs the
 * statements the main thread sends, each group in one transaction, so the main thread goes on applying commands while
 * SQLite writes and commits. It knows no table: it runs prepared statements by number, their parameters laid out
 * flat in the message (`[statement, ...its parameters, statement, ...]`). Plain JavaScript, so the thread starts
 * without a TypeScript loader.
 *
 * Messages in: { kind: 'tx', id, ops, end } runs ops inside the open transaction (opened first if none is) and, when
 * `end`, commits it and answers { kind: 'committed', id }; { kind: 'pragma', sql }; { kind: 'stop' }. Any error rolls
 * the open transaction back and answers { kind: 'failed', id, message }; later transactions are refused, so nothing
 * after a failure is ever half-kept.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** @type {{ path: string, statements: [string, number][], pragmas: string[] }} */
const { path, statements, pragmas } = workerData;
const db = new Database(path, { fileMustExist: true });
for (const p of pragmas) db.pragma(p);
const stmts = statements.map(([sql]) => db.prepare(sql));
const counts = statements.map(([, n]) => n);
/** One reusable argument array per parameter count. */
const args = counts.map((n) => new Array(n));
const begin = db.prepare('BEGIN IMMEDIATE');
const commit = db.prepare('COMMIT');
const rollback = db.prepare('ROLLBACK');

/** @type {string | null} */
let failure = null;

/** @param {unknown[]} ops */
function run(ops) {
  const n = ops.length;
  let i = 0;
  while (i < n) {
    const k = /** @type {number} */ (ops[i++]);
    const stmt = stmts[k];
    if (stmt === undefined) throw new Error(`writer: no statement ${k}`);
    const a = args[k];
    const c = a.length;
    for (let j = 0; j < c; j++) a[j] = ops[i + j];
    i += c;
    stmt.run(...a);
  }
}

parentPort.on('message', (m) => {
  if (m.kind === 'stop') {
    if (db.inTransaction) rollback.run();
    db.close();
    parentPort.close();
    return;
  }
  if (m.kind === 'pragma') {
    if (failure === null) {
      try {
        db.pragma(m.sql);
      } catch (e) {
        failure = `PRAGMA ${m.sql}: ${e.message}`;
        parentPort.postMessage({ kind: 'failed', id: -1, message: failure });
      }
    }
    return;
  }
  if (m.kind !== 'tx') return;
  if (failure !== null) {
    parentPort.postMessage({ kind: 'failed', id: m.id, message: failure });
    return;
  }
  try {
    if (!db.inTransaction) begin.run();
    run(m.ops);
    if (m.end) {
      commit.run();
      parentPort.postMessage({ kind: 'committed', id: m.id });
    }
  } catch (e) {
    failure = e.message;
    try {
      if (db.inTransaction) rollback.run();
    } catch {
      // the connection itself failed: nothing more to undo here
    }
    parentPort.postMessage({ kind: 'failed', id: m.id, message: failure });
  }
});
parentPort.postMessage({ kind: 'ready' });
