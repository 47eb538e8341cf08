/**
 * The exchange's SQLite file: opening it safely (never over a file that is not ours), WAL, durability pragmas and
 * numbered migrations. One file per data folder: `<dataDir>/deskex.db`.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.ts';

export type SqliteDb = Database.Database;

/** PRAGMA application_id of a deskex database: the bytes "DKEX". */
export const APPLICATION_ID = 0x444b4558;
export const DB_FILE = 'deskex.db';

export type Durability = 'strict' | 'batched' | 'fast';
export const DURABILITIES: readonly Durability[] = ['strict', 'batched', 'fast'];

/** A data file that deskex will not open (not a database, another program's, or from a newer version). */
export class DataFileError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'DataFileError';
  }
}

const SQLITE_MAGIC = 'SQLite format 3\0';

/** Checks the first bytes of an existing file before SQLite sees it, so a foreign file is refused, never touched. */
function checkHeader(path: string): void {
  if (!existsSync(path)) return;
  const size = statSync(path).size;
  if (size === 0) return;
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(16);
    const n = readSync(fd, buf, 0, 16, 0);
    if (n < 16 || buf.toString('latin1') !== SQLITE_MAGIC) {
      throw new DataFileError(path, 'not a deskex database (not an SQLite file); it was left untouched');
    }
  } finally {
    closeSync(fd);
  }
}

export interface OpenOptions {
  readonly durability?: Durability;
  readonly readonly?: boolean;
}

/** Opens (creating if needed) the database in `dataDir`, checks it is ours and migrates it to the latest version. */
export function openDatabase(dataDir: string, options: OpenOptions = {}): SqliteDb {
  const path = join(dataDir, DB_FILE);
  if (!options.readonly) mkdirSync(dataDir, { recursive: true });
  else if (!existsSync(path)) throw new DataFileError(path, 'no database here');
  checkHeader(path);
  let db: SqliteDb;
  try {
    db = new Database(path, { readonly: options.readonly === true, fileMustExist: options.readonly === true });
  } catch (e) {
    throw new DataFileError(path, `cannot be opened: ${(e as Error).message}`);
  }
  try {
    const appId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    if (appId === 0) {
      const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
      if (tables.n > 0) throw new DataFileError(path, 'an SQLite database of another program; it was left untouched');
    } else if (appId !== APPLICATION_ID) {
      throw new DataFileError(path, 'an SQLite database of another program; it was left untouched');
    }
    if (version > MIGRATIONS.length) {
      throw new DataFileError(path, `made by a newer deskex (schema ${version}, this one knows ${MIGRATIONS.length})`);
    }
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      setDurability(db, options.durability ?? 'batched');
      db.pragma('foreign_keys = OFF');
      migrate(db, version);
    } else if (version < MIGRATIONS.length) {
      throw new DataFileError(path, `schema ${version} needs migrating; open it once read-write`);
    }
    // an integrity probe that fails fast on a damaged file
    db.prepare('SELECT count(*) FROM meta').get();
  } catch (e) {
    db.close();
    if (e instanceof DataFileError) throw e;
    throw new DataFileError(path, `is damaged or not a deskex database: ${(e as Error).message}`);
  }
  return db;
}

/** strict: every commit is synced (synchronous=FULL); batched and fast: WAL with synchronous=NORMAL. */
export function setDurability(db: SqliteDb, durability: Durability): void {
  db.pragma(synchronousPragma(durability));
}

/** The PRAGMA that sets a connection's sync level for a durability mode. */
export function synchronousPragma(durability: Durability): string {
  return durability === 'strict' ? 'synchronous = FULL' : 'synchronous = NORMAL';
}

function migrate(db: SqliteDb, from: number): void {
  for (let v = from; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
      if (v === 0) db.pragma(`application_id = ${APPLICATION_ID}`);
    })();
  }
}

export function getMeta(db: SqliteDb, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value;
}

export function setMeta(db: SqliteDb, key: string, value: string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(
    key,
    value,
  );
}
