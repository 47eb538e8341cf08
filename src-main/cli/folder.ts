/**
 * The data folder as the CLI sees it from outside the exchange: is there a deskex database, and does another
 * process have it open right now (a running `deskex serve` or the app)?
 *
 * Detecting a running server: every SQLite connection to a WAL database holds a shared lock on the database file
 * for as long as it is open, idle or not. A probe connection that sets `locking_mode = EXCLUSIVE` and runs
 * `BEGIN EXCLUSIVE` with no busy timeout gets SQLITE_BUSY at once while any other connection is open, and the
 * exclusive lock otherwise (held until the probe closes). No lock file or pid file is needed, nothing is left
 * behind when a server crashes (the OS drops its locks), and a second connection of any kind is detected, whatever
 * opened it. A read-only reader (a `deskex export` that is running) counts as "in use" too.
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { APPLICATION_ID, DataFileError, DB_FILE, type SqliteDb } from '../store/database.ts';
import { MIGRATIONS } from '../store/migrations.ts';
import { Refused } from './common.ts';

export function dbFile(dataDir: string): string {
  return join(dataDir, DB_FILE);
}

/** Whether the file starts with the SQLite header (an empty or absent file does not). */
export function isSqliteFile(path: string): boolean {
  if (!existsSync(path)) return false;
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(16);
    return readSync(fd, buf, 0, 16, 0) === 16 && buf.toString('latin1') === 'SQLite format 3\0';
  } finally {
    closeSync(fd);
  }
}

/**
 * Takes the database's exclusive lock at once, or returns null when another connection has the file open. The
 * lock lasts until the returned connection is closed; closing it also checkpoints and removes the WAL.
 */
export function lockDatabase(path: string): SqliteDb | null {
  let db: SqliteDb;
  try {
    db = new Database(path, { fileMustExist: true, timeout: 0 });
  } catch (e) {
    throw new DataFileError(path, `cannot be opened: ${(e as Error).message}`);
  }
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    return db;
  } catch (e) {
    db.close();
    const code = (e as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return null;
    throw new DataFileError(path, `cannot be locked: ${(e as Error).message}`);
  }
}

/** The one-line refusal for a database another process has open. */
export function inUseError(path: string, advice: string): Refused {
  return new Refused(`${path} is in use by another program (a deskex serve or the deskex app?): ${advice}`);
}

/** Whether another process has the database open (false for a file that is not there or not SQLite). */
export function databaseInUse(path: string): boolean {
  if (!isSqliteFile(path)) return false;
  const lock = lockDatabase(path);
  if (lock === null) return true;
  lock.close();
  return false;
}

/**
 * Checks a file is a deskex database without changing it: the SQLite header, deskex's application_id and a schema
 * this version knows. Throws DataFileError (exit 3) with the reason.
 */
export function checkDeskexFile(path: string): void {
  if (!existsSync(path)) throw new DataFileError(path, 'no such file');
  if (!isSqliteFile(path)) throw new DataFileError(path, 'not a deskex database (not an SQLite file)');
  let db: SqliteDb;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new DataFileError(path, `cannot be opened: ${(e as Error).message}`);
  }
  try {
    const appId = db.pragma('application_id', { simple: true }) as number;
    if (appId !== APPLICATION_ID) throw new DataFileError(path, 'an SQLite database of another program, not deskex');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new DataFileError(path, `made by a newer deskex (schema ${version}, this one knows ${MIGRATIONS.length})`);
    }
  } catch (e) {
    if (e instanceof DataFileError) throw e;
    if ((e as { code?: string }).code?.startsWith('SQLITE_BUSY')) throw inUseError(path, 'try again once it is done');
    throw new DataFileError(path, `is damaged or not a deskex database: ${(e as Error).message}`);
  } finally {
    db.close();
  }
}

/** A folder with a deskex database is required (admin commands never create one). */
export function requireDatabase(dataDir: string): string {
  const path = dbFile(dataDir);
  if (!existsSync(path)) {
    throw new DataFileError(path, 'no database here (start deskex serve on this folder once, or restore a backup)');
  }
  return path;
}
