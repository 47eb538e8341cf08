/**
 * `deskex backup` and `deskex restore`.
 *
 * backup: SQLite's online backup API copies the database page by page (a progress bar per page), from a read-only
 * connection that holds ONE read transaction for the whole copy. In WAL mode that transaction is a snapshot: the
 * server keeps committing meanwhile (its commits go to the WAL), and the copy is the database exactly as it was when
 * the backup began. Without the held transaction SQLite restarts a backup whenever another process writes, and
 * under steady load it never finishes. The copy is written beside the target, checked (quick_check, deskex's
 * application_id, the journal's last seq), turned into a single self-contained file (journal_mode DELETE) and only
 * then renamed into place.
 *
 * restore: never replaces a database before the backup is proven: the file must be deskex's; it is copied into a
 * work folder inside the data folder and recovered there exactly as `deskex serve` would (journal checksums and
 * digests, the snapshot's state hash, the engine's invariants); only then does it take the database's place. A
 * folder whose database another process has open (a running serve, the app) is refused, and the exclusive lock
 * taken to learn that is held until the new file is in place, so no server can start half-way. An existing
 * database needs --force and is kept as deskex.db.replaced-<time>, never deleted.
 */
import { existsSync, mkdirSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Exchange } from '../host/exchange.ts';
import { APPLICATION_ID, DataFileError, DB_FILE, openDatabase, type SqliteDb } from '../store/database.ts';
import { Failure, fileStamp, parseCommand, progressBar, Refused, say, UsageError } from './common.ts';
import { checkDeskexFile, dbFile, inUseError, lockDatabase } from './folder.ts';
import { BACKUP_USAGE, RESTORE_USAGE } from './usage.ts';

const PAGES_PER_STEP = 1_000;

/** Copies the open database `src` to `to` with SQLite's backup API, drawing a progress bar. */
async function copyDatabase(src: SqliteDb, to: string, label: string): Promise<void> {
  const bar = progressBar(label);
  const r = await src.backup(to, {
    progress: ({ totalPages, remainingPages }) => {
      bar(totalPages - remainingPages, totalPages);
      return PAGES_PER_STEP;
    },
  });
  bar(r.totalPages, r.totalPages);
}

function lastSeqOf(db: SqliteDb): number {
  return (db.prepare('SELECT coalesce(max(last_seq), 0) AS s FROM journal').get() as { s: number }).s;
}

export async function backup(args: string[]): Promise<number> {
  const { values: o, positionals } = parseCommand(
    args,
    {
      'data-dir': { type: 'string', default: 'data' },
      to: { type: 'string' },
      force: { type: 'boolean', default: false },
    },
    BACKUP_USAGE,
  );
  if (o.help) {
    process.stdout.write(BACKUP_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`, BACKUP_USAGE);
  if (o.to === undefined || o.to === '') throw new UsageError('backup needs --to FILE', BACKUP_USAGE);
  const dataDir = resolve(o['data-dir']);
  const target = resolve(o.to);
  if (!existsSync(dirname(target))) throw new Refused(`${dirname(target)}: no such folder (for --to ${o.to})`);
  if (existsSync(target)) {
    if (statSync(target).isDirectory()) throw new Refused(`${target} is a folder: --to names the backup file`);
    if (!o.force) throw new Refused(`${target} exists: pick another name, or --force to replace it`);
    if (existsSync(dbFile(dataDir)) && realpathSync(target) === realpathSync(dbFile(dataDir))) {
      throw new Refused(`${target} is the database being backed up: pick another name`);
    }
  }
  const t0 = performance.now();
  const src = openDatabase(dataDir, { readonly: true });
  const partial = join(dirname(target), `.${basename(target)}.${process.pid}.partial`);
  let seq: number;
  try {
    // the read transaction is the snapshot the whole copy is taken from (see the header)
    src.exec('BEGIN');
    seq = lastSeqOf(src);
    rmSync(partial, { force: true });
    await copyDatabase(src, partial, 'backing up');
    src.exec('COMMIT');
  } catch (e) {
    rmSync(partial, { force: true });
    if (e instanceof DataFileError || e instanceof Refused) throw e;
    throw new Failure(`backup of ${dataDir} failed: ${(e as Error).message}`);
  } finally {
    src.close();
  }
  try {
    const copy = new Database(partial, { fileMustExist: true });
    try {
      copy.pragma('journal_mode = DELETE'); // one self-contained file, whatever the source's mode
      const check = copy.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(`the copy fails SQLite's quick_check: ${check}`);
      if (copy.pragma('application_id', { simple: true }) !== APPLICATION_ID) throw new Error('the copy is not deskex');
      const copied = lastSeqOf(copy);
      if (copied !== seq) throw new Error(`the copy ends at seq ${copied}, the database was at ${seq}`);
    } finally {
      copy.close();
    }
    renameSync(partial, target);
  } catch (e) {
    rmSync(partial, { force: true });
    throw new Failure(`backup of ${dataDir} failed: ${(e as Error).message}`);
  }
  const bytes = statSync(target).size;
  const ms = Math.round(performance.now() - t0);
  process.stdout.write(`${JSON.stringify({ file: target, dataDir, seq, bytes, ms })}\n`);
  say(`backup of ${dataDir} at seq ${seq} written to ${target} (${(bytes / 1e6).toFixed(1)} MB in ${ms} ms)`);
  return 0;
}

export async function restore(args: string[]): Promise<number> {
  const { values: o, positionals } = parseCommand(
    args,
    {
      'data-dir': { type: 'string', default: 'data' },
      from: { type: 'string' },
      force: { type: 'boolean', default: false },
    },
    RESTORE_USAGE,
  );
  if (o.help) {
    process.stdout.write(RESTORE_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`, RESTORE_USAGE);
  if (o.from === undefined || o.from === '') throw new UsageError('restore needs --from FILE', RESTORE_USAGE);
  const from = resolve(o.from);
  const dataDir = resolve(o['data-dir']);
  const target = dbFile(dataDir);
  checkDeskexFile(from);

  // the folder's current database: ours, not in use, and only replaced with --force
  let lock: SqliteDb | null = null;
  const present = existsSync(target) && statSync(target).size > 0;
  if (present) {
    if (realpathSync(from) === realpathSync(target)) throw new Refused(`${from} is the database it would replace`);
    try {
      checkDeskexFile(target);
    } catch (e) {
      if (!(e instanceof DataFileError)) throw e;
      throw new DataFileError(
        target,
        `${e.message.slice(target.length + 2)}; restore never replaces it: move it away first`,
      );
    }
    if (!o.force) {
      throw new Refused(
        `${target} exists: restore --force replaces it (the old one is kept as ${DB_FILE}.replaced-<time>)`,
      );
    }
    lock = lockDatabase(target);
    if (lock === null) throw inUseError(target, 'stop it before restoring');
  }

  const work = join(dataDir, `.restore-${process.pid}`);
  const madeDataDir = !existsSync(dataDir);
  let restored = false;
  try {
    mkdirSync(work, { recursive: true });
    const src = new Database(from, { readonly: true, fileMustExist: true });
    try {
      src.exec('BEGIN'); // one snapshot, should FILE be a database something is still writing
      src.prepare('SELECT count(*) FROM sqlite_master').get();
      await copyDatabase(src, join(work, DB_FILE), 'copying');
    } finally {
      src.close();
    }
    const proven = await prove(from, work);
    let replaced: string | null = null;
    if (lock !== null) {
      lock.close(); // checkpoints and removes the old database's WAL
      lock = null;
      if (existsSync(`${target}-wal`)) throw inUseError(target, 'stop it before restoring');
      replaced = `${target}.replaced-${fileStamp()}`;
      renameSync(target, replaced);
    }
    for (const leftover of [`${target}-wal`, `${target}-shm`, `${target}-journal`]) rmSync(leftover, { force: true });
    renameSync(join(work, DB_FILE), target);
    restored = true;
    process.stdout.write(`${JSON.stringify({ restored: from, dataDir, ...proven, replaced })}\n`);
    say(
      `restored ${from} into ${dataDir}: recovered and checked at seq ${proven.seq} (state hash ${proven.stateHash}, ` +
        `${proven.accounts} accounts)${replaced === null ? '' : `; the database it replaced is kept as ${replaced}`}`,
    );
    return 0;
  } finally {
    lock?.close();
    rmSync(work, { recursive: true, force: true });
    if (!restored && madeDataDir) rmSync(dataDir, { recursive: true, force: true }); // leave no empty folder
  }
}

/** Recovers the copy in `work` as deskex serve would and checks the engine; a failure names the backup file. */
async function prove(from: string, work: string): Promise<{ seq: number; stateHash: number; accounts: number }> {
  let ex: Exchange;
  const recovering = progressBar('recovering');
  // the engine is loaded only here: backup and the refusals need none of it
  const [{ Exchange }, { RecoveryError }] = await Promise.all([
    import('../host/exchange.ts'),
    import('../host/recovery.ts'),
  ]);
  try {
    ex = await Exchange.open({ dataDir: work, onRecoveryProgress: (p) => recovering(p.batchesDone, p.batchesTotal) });
  } catch (e) {
    if (e instanceof RecoveryError)
      throw new DataFileError(from, `does not recover (journal ${e.problem}); nothing was restored`);
    if (e instanceof DataFileError)
      throw new DataFileError(from, `${e.message.slice(e.path.length + 2)}; nothing was restored`);
    throw e;
  }
  try {
    try {
      ex.engine.validateInternalState();
    } catch (e) {
      throw new DataFileError(
        from,
        `recovers to an inconsistent state (${(e as Error).message}); nothing was restored`,
      );
    }
    return { seq: ex.stats().lastSeq, stateHash: ex.engine.stateHash(), accounts: ex.engine.accountIds().length };
  } finally {
    await ex.close();
  }
}
