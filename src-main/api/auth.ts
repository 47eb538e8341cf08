/**
 * Who may use the API: users with a role and a scrypt-hashed password, UI sessions (random tokens, stored as
 * SHA-256 hashes) and API keys that act for one account (shown once, stored as SHA-256 hashes of their secret).
 * Every comparison of a secret is timing-safe. Kept in the exchange's SQLite file (migration 2), outside the
 * journal: who may log in is not exchange state.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { Database as SqliteDb } from 'better-sqlite3';

export type Role = 'admin' | 'trader' | 'viewer';
export const ROLES: readonly Role[] = ['admin', 'trader', 'viewer'];

export interface User {
  readonly userId: number;
  readonly username: string;
  readonly role: Role;
  readonly disabled: boolean;
  readonly createdMs: number;
}

export interface ApiKeyInfo {
  readonly keyId: number;
  readonly prefix: string;
  readonly accountId: number;
  readonly userId: number;
  readonly label: string;
  readonly createdMs: number;
  readonly revokedMs: number | null;
}

/**
 * Who a request is. A session acts as its user (a trader for the accounts the user owns, an admin for all); an API
 * key acts as a trader of its one account, whatever its owner's role (least privilege for bots).
 */
export interface Principal {
  readonly via: 'session' | 'key';
  readonly userId: number;
  readonly username: string;
  readonly role: Role;
  /** For a key: the one account it may act for. */
  readonly keyAccountId: number | null;
  readonly keyId: number | null;
  /** What rate limits and metrics count this principal as: `key:<id>` or `user:<id>`. */
  readonly limitKey: string;
}

/** The UI session's cookie. */
export const SESSION_COOKIE = 'deskex_session';

type Headers = Readonly<Record<string, string | string[] | undefined>>;
const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** The token of `Authorization: Bearer <token>` (the scheme is case-insensitive, RFC 9110) or `X-API-Key`. */
export function bearerToken(headers: Headers): string | null {
  const h = first(headers.authorization);
  if (h !== undefined && h.length > 7 && h.slice(0, 7).toLowerCase() === 'bearer ') return h.slice(7).trim();
  const key = first(headers['x-api-key']);
  return key === undefined ? null : key.trim();
}

/** The session token in a Cookie header, or null (also for a malformed value). */
export function sessionCookie(cookie: string | string[] | undefined): string | null {
  const raw = first(cookie);
  if (raw === undefined) return null;
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return null;
    }
  }
  return null;
}

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;
export const SESSION_MS = 12 * 3600 * 1000;
const USERNAME = /^[A-Za-z0-9_.-]{1,64}$/;

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function scryptAsync(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p }, (e, key) =>
      e ? reject(e) : resolve(key),
    ),
  );
}

/** `scrypt$N$r$p$salt$hash` (base64). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64');
  const key = await new Promise<Buffer>((resolve, reject) =>
    scrypt(password, Buffer.from(salt, 'base64'), expected.length, { N: +n, r: +r, p: +p }, (e, k) =>
      e ? reject(e) : resolve(k),
    ),
  );
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash that verifies nothing: logins for unknown users spend the same time as for known ones. */
const DUMMY_HASH = `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`;

export class AuthError extends Error {
  constructor(
    readonly code: 'AUTH_USERNAME_TAKEN' | 'AUTH_INVALID_USERNAME' | 'AUTH_WEAK_PASSWORD' | 'AUTH_UNKNOWN_USER',
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

interface UserRow {
  user_id: number;
  username: string;
  role: Role;
  password_hash: string;
  disabled: number;
  created_ms: number;
}

interface KeyRow {
  key_id: number;
  prefix: string;
  account_id: number;
  user_id: number;
  label: string;
  secret_hash: string;
  created_ms: number;
  revoked_ms: number | null;
}

const toUser = (r: UserRow): User => ({
  userId: r.user_id,
  username: r.username,
  role: r.role,
  disabled: r.disabled !== 0,
  createdMs: r.created_ms,
});

const toKey = (r: KeyRow): ApiKeyInfo => ({
  keyId: r.key_id,
  prefix: r.prefix,
  accountId: r.account_id,
  userId: r.user_id,
  label: r.label,
  createdMs: r.created_ms,
  revokedMs: r.revoked_ms,
});

/** Tokens: sessions `dks_<43 chars>`, API keys `dkk_<prefix>_<secret>`; both base64url of random bytes. */
export class AuthStore {
  /** Principals by token hash; dropped on logout, revoke, disable and expiry. */
  private readonly cache = new Map<string, { p: Principal; expiresMs: number }>();
  private dropped = 0;

  constructor(
    private readonly db: SqliteDb,
    private readonly clock: () => number = Date.now,
  ) {}

  userCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
  }

  async createUser(username: string, password: string, role: Role): Promise<User> {
    if (!USERNAME.test(username)) {
      throw new AuthError('AUTH_INVALID_USERNAME', 'usernames are 1-64 letters, digits, dots, dashes or underscores');
    }
    if (password.length < 8 || password.length > 256) {
      throw new AuthError('AUTH_WEAK_PASSWORD', 'passwords are 8 to 256 characters');
    }
    if (this.userByName(username) !== undefined) {
      throw new AuthError('AUTH_USERNAME_TAKEN', `the username ${username} is taken`);
    }
    const hash = await hashPassword(password);
    // checked again after the await: another request may have taken the name meanwhile
    if (this.userByName(username) !== undefined) {
      throw new AuthError('AUTH_USERNAME_TAKEN', `the username ${username} is taken`);
    }
    const info = this.db
      .prepare('INSERT INTO users (username, role, password_hash, created_ms) VALUES (?, ?, ?, ?)')
      .run(username, role, hash, this.clock());
    return this.user(Number(info.lastInsertRowid)) as User;
  }

  user(userId: number): User | undefined {
    const r = this.db.prepare('SELECT * FROM users WHERE user_id = ?').get(userId) as UserRow | undefined;
    return r === undefined ? undefined : toUser(r);
  }

  userByName(username: string): User | undefined {
    const r = this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as UserRow | undefined;
    return r === undefined ? undefined : toUser(r);
  }

  users(): User[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY user_id').all() as UserRow[]).map(toUser);
  }

  /** Disabling a user ends their sessions and stops their keys at once. */
  setDisabled(userId: number, disabled: boolean): User {
    const r = this.db.prepare('UPDATE users SET disabled = ? WHERE user_id = ?').run(disabled ? 1 : 0, userId);
    if (r.changes === 0) throw new AuthError('AUTH_UNKNOWN_USER', `no user ${userId}`);
    if (disabled) {
      this.db.prepare('DELETE FROM sessions WHERE user_id = ?').run(userId);
      this.dropAll();
    }
    return this.user(userId) as User;
  }

  async setPassword(userId: number, password: string): Promise<void> {
    if (password.length < 8 || password.length > 256) {
      throw new AuthError('AUTH_WEAK_PASSWORD', 'passwords are 8 to 256 characters');
    }
    const hash = await hashPassword(password);
    const r = this.db.prepare('UPDATE users SET password_hash = ? WHERE user_id = ?').run(hash, userId);
    if (r.changes === 0) throw new AuthError('AUTH_UNKNOWN_USER', `no user ${userId}`);
  }

  /** A new session for a correct username and password; null otherwise (same time either way). */
  async login(username: string, password: string): Promise<{ token: string; user: User; expiresMs: number } | null> {
    const row = this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as UserRow | undefined;
    const ok = await verifyPassword(password, row?.password_hash ?? DUMMY_HASH);
    if (row === undefined || !ok || row.disabled !== 0) return null;
    const token = `dks_${randomBytes(32).toString('base64url')}`;
    const now = this.clock();
    const expiresMs = now + SESSION_MS;
    this.db
      .prepare('INSERT INTO sessions (token_hash, user_id, created_ms, expires_ms) VALUES (?, ?, ?, ?)')
      .run(sha256(token), row.user_id, now, expiresMs);
    this.db.prepare('DELETE FROM sessions WHERE expires_ms < ?').run(now);
    return { token, user: toUser(row), expiresMs };
  }

  logout(token: string): boolean {
    const h = sha256(token);
    this.cache.delete(h);
    this.dropped++;
    return this.db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(h).changes > 0;
  }

  /** A new API key for an account, returned whole this once; only its hash is kept. */
  createApiKey(accountId: number, userId: number, label: string): { key: string; info: ApiKeyInfo } {
    const prefix = randomBytes(6).toString('base64url');
    const secret = randomBytes(24).toString('base64url');
    const info = this.db
      .prepare(
        'INSERT INTO api_keys (prefix, account_id, user_id, label, secret_hash, created_ms) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(prefix, accountId, userId, label, sha256(secret), this.clock());
    const row = this.db.prepare('SELECT * FROM api_keys WHERE key_id = ?').get(info.lastInsertRowid) as KeyRow;
    return { key: `dkk_${prefix}_${secret}`, info: toKey(row) };
  }

  apiKeys(filter: { accountId?: number; userId?: number } = {}): ApiKeyInfo[] {
    const rows = this.db
      .prepare(
        'SELECT * FROM api_keys WHERE (? IS NULL OR account_id = ?) AND (? IS NULL OR user_id = ?) ORDER BY key_id',
      )
      .all(
        filter.accountId ?? null,
        filter.accountId ?? null,
        filter.userId ?? null,
        filter.userId ?? null,
      ) as KeyRow[];
    return rows.map(toKey);
  }

  apiKey(keyId: number): ApiKeyInfo | undefined {
    const r = this.db.prepare('SELECT * FROM api_keys WHERE key_id = ?').get(keyId) as KeyRow | undefined;
    return r === undefined ? undefined : toKey(r);
  }

  revokeApiKey(keyId: number): boolean {
    const r = this.db
      .prepare('UPDATE api_keys SET revoked_ms = ? WHERE key_id = ? AND revoked_ms IS NULL')
      .run(this.clock(), keyId);
    this.dropAll();
    return r.changes > 0;
  }

  /**
   * Changes whenever principals may have been withdrawn (logout, revoke, disable): a holder of a principal it
   * authenticated (a WebSocket connection) may keep it while this stays the same, for a short while.
   */
  get revision(): number {
    return this.dropped;
  }

  private dropAll(): void {
    this.cache.clear();
    this.dropped++;
  }

  /** The principal a bearer token (session or API key) stands for, or null. */
  authenticate(token: string): Principal | null {
    if (token.length > 200) return null;
    const h = sha256(token);
    const now = this.clock();
    const hit = this.cache.get(h);
    if (hit !== undefined) {
      if (hit.expiresMs > now) return hit.p;
      this.cache.delete(h);
    }
    let found: { p: Principal; expiresMs: number } | null = null;
    if (token.startsWith('dks_')) found = this.sessionPrincipal(h, now);
    else if (token.startsWith('dkk_')) found = this.keyPrincipal(token, now);
    if (found === null) return null;
    // (a full cache is emptied: a forgotten principal is not a withdrawn one, so the revision stays)
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(h, found);
    return found.p;
  }

  private sessionPrincipal(hash: string, now: number): { p: Principal; expiresMs: number } | null {
    const r = this.db
      .prepare(
        'SELECT s.expires_ms, u.* FROM sessions s JOIN users u ON u.user_id = s.user_id WHERE s.token_hash = ? AND s.expires_ms > ?',
      )
      .get(hash, now) as (UserRow & { expires_ms: number }) | undefined;
    if (r === undefined || r.disabled !== 0) return null;
    return {
      p: {
        via: 'session',
        userId: r.user_id,
        username: r.username,
        role: r.role,
        keyAccountId: null,
        keyId: null,
        limitKey: `user:${r.user_id}`,
      },
      // re-read at least once a minute, so a session ended elsewhere (another process) stops soon
      expiresMs: Math.min(r.expires_ms, now + 60_000),
    };
  }

  private keyPrincipal(token: string, now: number): { p: Principal; expiresMs: number } | null {
    const m = /^dkk_([A-Za-z0-9_-]{8})_([A-Za-z0-9_-]{32})$/.exec(token);
    if (m === null) return null;
    const r = this.db
      .prepare(
        'SELECT k.*, u.username, u.role, u.disabled FROM api_keys k JOIN users u ON u.user_id = k.user_id WHERE k.prefix = ?',
      )
      .get(m[1]) as (KeyRow & { username: string; role: Role; disabled: number }) | undefined;
    const expected = Buffer.from(r?.secret_hash ?? '0'.repeat(64), 'hex');
    const given = Buffer.from(sha256(m[2] as string), 'hex');
    const match = timingSafeEqual(expected, given);
    if (r === undefined || !match || r.revoked_ms !== null || r.disabled !== 0 || r.role === 'viewer') return null;
    return {
      p: {
        via: 'key',
        userId: r.user_id,
        username: r.username,
        role: 'trader',
        keyAccountId: r.account_id,
        keyId: r.key_id,
        limitKey: `key:${r.key_id}`,
      },
      expiresMs: now + 60_000,
    };
  }
}
