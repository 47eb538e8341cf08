/**
 * Numbered schema migrations: MIGRATIONS[n] takes the database from user_version n to n + 1. Never edit a
 * migration that has shipped; add the next one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: meta, the journal, snapshots and the read models
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

  -- The journal: every sequenced command, in batches. A batch is the unit of group commit and of replay:
  -- commands is the JSON array of the batch's commands (each with its seq and ts), digest the hash of every
  -- result and event the batch produced (what clients were told), checksum a CRC-32 over the other columns.
  CREATE TABLE journal (
    batch INTEGER PRIMARY KEY,
    first_seq INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    commands TEXT NOT NULL,
    digest INTEGER NOT NULL,
    checksum INTEGER NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX journal_last_seq ON journal (last_seq);

  -- Whole-engine snapshots: state is the engine's exported state (JSON) after last_seq.
  CREATE TABLE snapshots (
    last_seq INTEGER PRIMARY KEY,
    batch INTEGER NOT NULL,
    state TEXT NOT NULL,
    state_hash INTEGER NOT NULL,
    checksum INTEGER NOT NULL,
    created_ms INTEGER NOT NULL
  ) STRICT;

  -- Read models (projections of the journal's events, written in the same transaction as their batch).
  CREATE TABLE orders (
    order_id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    instrument_id TEXT NOT NULL,
    side TEXT NOT NULL,
    type TEXT NOT NULL,
    tif TEXT NOT NULL,
    offset_ TEXT NOT NULL,
    price INTEGER NOT NULL,
    stop_price INTEGER NOT NULL,
    volume INTEGER NOT NULL,
    filled INTEGER NOT NULL,
    remaining INTEGER NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    forced INTEGER NOT NULL,
    created_seq INTEGER NOT NULL,
    created_ts INTEGER NOT NULL,
    updated_seq INTEGER NOT NULL,
    updated_ts INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX orders_by_account ON orders (account_id, order_id);
  CREATE INDEX orders_open_by_account ON orders (account_id) WHERE status IN ('new', 'partial', 'pending');

  CREATE TABLE trades (
    trade_id INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    instrument_id TEXT NOT NULL,
    price INTEGER NOT NULL,
    volume INTEGER NOT NULL,
    buy_order_id INTEGER NOT NULL,
    sell_order_id INTEGER NOT NULL,
    buy_account_id INTEGER NOT NULL,
    sell_account_id INTEGER NOT NULL,
    taker_side TEXT
  ) STRICT;
  CREATE INDEX trades_by_instrument ON trades (instrument_id, trade_id);
  CREATE INDEX trades_by_buy_account ON trades (buy_account_id, trade_id);
  CREATE INDEX trades_by_sell_account ON trades (sell_account_id, trade_id);

  -- The account (every QIFI field, JSON) as it stood after each batch that changed it.
  CREATE TABLE account_history (
    account_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    trading_day INTEGER NOT NULL,
    balance INTEGER NOT NULL,
    available INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    PRIMARY KEY (account_id, seq)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE statements (
    account_id INTEGER NOT NULL,
    trading_day INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    statement TEXT NOT NULL,
    PRIMARY KEY (account_id, trading_day)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX statements_by_day ON statements (trading_day, account_id);

  CREATE TABLE settlements (
    trading_day INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    prices TEXT NOT NULL,
    at_risk TEXT NOT NULL
  ) STRICT;

  -- K-lines: period in seconds, start_ts in ms (period-aligned), prices in ticks of the instrument.
  CREATE TABLE klines (
    instrument_id TEXT NOT NULL,
    period INTEGER NOT NULL,
    start_ts INTEGER NOT NULL,
    open INTEGER NOT NULL,
    high INTEGER NOT NULL,
    low INTEGER NOT NULL,
    close INTEGER NOT NULL,
    volume INTEGER NOT NULL,
    trades INTEGER NOT NULL,
    PRIMARY KEY (instrument_id, period, start_ts)
  ) STRICT, WITHOUT ROWID;
  `,
  // 2: who may use the API: users (scrypt password hashes), UI sessions, API keys per account (hashed)
  `
  CREATE TABLE users (
    user_id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'trader', 'viewer')),
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_ms INTEGER NOT NULL
  ) STRICT;

  -- token_hash: SHA-256 of the session token (the token itself is only ever in the client's hands).
  CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX sessions_by_user ON sessions (user_id);

  -- An API key acts for one account. secret_hash: SHA-256 of the key's secret part; prefix: the key's public part.
  CREATE TABLE api_keys (
    key_id INTEGER PRIMARY KEY,
    prefix TEXT NOT NULL UNIQUE,
    account_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    label TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    revoked_ms INTEGER
  ) STRICT;
  CREATE INDEX api_keys_by_account ON api_keys (account_id);
  `,
  // 3: snapshots keep their state as bytes with a format number (1: plain JSON text, 2: JSON with the long lists
  // packed by column; see snapshot-codec.ts). Existing snapshots become format 1, byte for byte (their checksums hold).
  `
  CREATE TABLE snapshots_v3 (
    last_seq INTEGER PRIMARY KEY,
    batch INTEGER NOT NULL,
    format INTEGER NOT NULL,
    state BLOB NOT NULL,
    state_hash INTEGER NOT NULL,
    checksum INTEGER NOT NULL,
    created_ms INTEGER NOT NULL
  ) STRICT;
  INSERT INTO snapshots_v3 (last_seq, batch, format, state, state_hash, checksum, created_ms)
    SELECT last_seq, batch, 1, CAST(state AS BLOB), state_hash, checksum, created_ms FROM snapshots;
  DROP TABLE snapshots;
  ALTER TABLE snapshots_v3 RENAME TO snapshots;
  `,
];
