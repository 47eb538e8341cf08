/**
 * Every command's usage text, in a module that imports nothing: `deskex COMMAND --help` prints it without loading
 * the command (serve alone loads the whole API server).
 */

/** serve's default port: api/server.ts's DEFAULT_PORT (a test holds them equal; that module is heavy to load). */
export const SERVE_DEFAULT_PORT = 8470;

export const SERVE_OPTIONS_TEXT = `  --data-dir DIR        data folder (default ./data); the database is DIR/deskex.db
  --port N              API and UI port (default ${SERVE_DEFAULT_PORT}; 0 = any free port)
  --host ADDR           address to bind (default 127.0.0.1; 0.0.0.0 for a classroom LAN)
  --allowed-host NAME   a host name the API answers to besides IP addresses and localhost (repeatable)
  --self-service-funds  traders may deposit and withdraw on their own accounts
  --rate-limit N        requests per second per API key or user (default 1000, burst 2x)
  --no-api              no HTTP/WebSocket server (the exchange and --orders only)
  --durability MODE     strict | batched (default) | fast; without it, the folder's saved tuning
  --shards N            matching shards (worker threads); 0 = books on the main thread (default); without it,
                        the folder's saved tuning
  --orders FILE         submit the commands in FILE (one JSON object per line), print each result
  --exit                stop after the --orders file is done
  --status-every SEC    print a status line every SEC seconds (default 10; 0 = never)
`;

export const SERVE_USAGE = `usage: deskex serve [options]

Runs the exchange headless: opens (or creates) the data folder, recovers it, creates the demo market in a new
folder, serves the API and the UI, and stops cleanly on Ctrl-C or SIGTERM (journal flushed, snapshot written).
Refused (exit 3) while another deskex has the folder open.

options:
${SERVE_OPTIONS_TEXT}`;

export const REPLAY_USAGE = `usage: deskex replay --verify [--data-dir DIR]

Replays the whole journal from an empty engine in a worker thread, checking every batch's checksum and digest and
every snapshot's state hash. Writes nothing; works while deskex serve runs. Prints a JSON report; exit 1 when a
check fails.

options:
  --verify          required (replay only checks)
  --data-dir DIR    data folder (default ./data)
`;

export const EXPORT_USAGE = `usage:
  deskex export trades [--data-dir DIR] [--account N] [--instrument ID] [--out FILE]
  deskex export statements [--data-dir DIR] [--day N] [--out FILE]

Writes CSV: a header row, then one row per record (RFC 4180 quoting, LF line ends), to FILE or to stdout (no --out,
or --out -). Reads the database only: works while deskex serve runs on the folder.

  trades       every trade, oldest first: tradeId, seq, ts (ms), time (ISO 8601 UTC), instrumentId, price (ticks),
               volume (lots), buyOrderId, sellOrderId, buyAccountId, sellAccountId, takerSide (buy, sell or empty)
  statements   a trading day's settlement statements, one row per account, every QIFI field (money in minor
               units, riskRatioPpm in parts per million, positions and trades as counts)

options:
  --data-dir DIR    data folder (default ./data)
  --account N       trades: only the trades where account N bought or sold
  --instrument ID   trades: only the trades of this instrument
  --day N           statements: the trading day (default: the last day settled)
  --out FILE        write FILE (replaced once complete) instead of stdout
`;

export const BACKUP_USAGE = `usage: deskex backup [--data-dir DIR] --to FILE [--force]

Copies the data folder's database to FILE, consistent to one moment, while deskex serve may keep running and
trading (SQLite's online backup from one read snapshot). The copy is checked, then written as one self-contained
file. Restore it with deskex restore. (admin-password.txt, the only other file in a data folder, is not copied.)

options:
  --data-dir DIR    data folder (default ./data)
  --to FILE         the backup file to write (its folder must exist)
  --force           replace FILE if it exists
`;

export const RESTORE_USAGE = `usage: deskex restore --from FILE [--data-dir DIR] [--force]

Makes the backup FILE the data folder's database. FILE must be a deskex database; it is recovered and checked
(journal, snapshot, engine invariants) in a work folder before anything is replaced. Refused (exit 3) while a
deskex serve or the app has the folder open: stop it first. A folder that has a database already needs --force;
the database replaced is kept beside it as deskex.db.replaced-<time>.

options:
  --from FILE       the backup to restore (made by deskex backup, or a copy of a stopped folder's deskex.db)
  --data-dir DIR    data folder (default ./data; created if missing)
  --force           replace the folder's database
`;

export const ADMIN_USAGE = `usage:
  deskex admin create-user --username NAME --role admin|trader|viewer [--password PW] [--data-dir DIR]
  deskex admin create-account --user NAME --kind futures|stock [--account N] [--deposit AMOUNT] [--data-dir DIR]
  deskex admin create-key --account N --label TEXT [--data-dir DIR]
  deskex admin list-users [--json] [--data-dir DIR]

Users and API keys are kept outside the journal: create-user, create-key and list-users work while deskex serve
runs, and the server accepts a new user or key at once. Accounts are exchange state: create-account opens the
exchange itself and is refused (exit 3) while deskex serve or the app has the folder open; then use the API
instead (POST /api/v1/accounts, then POST /api/v1/accounts/N/deposit) or stop the server first.

A password comes from --password (other users of this machine can see it in the process list), else from the
environment variable DESKEX_PASSWORD, else it is asked for at a terminal or read from the first line of stdin;
8 to 256 characters. create-key prints the key once: only its hash is kept.

options:
  --data-dir DIR      data folder (default ./data); it must have a database
  --username NAME     create-user: 1-64 letters, digits, dots, dashes or underscores
  --role ROLE         create-user: admin, trader or viewer
  --password PW       create-user: the password (see above for better ways)
  --user NAME         create-account: the user who owns the account
  --kind KIND         create-account: futures or stock
  --account N         create-account: the new account's id (default: the highest id + 1); create-key: its account
  --deposit AMOUNT    create-account: money to deposit, in minor units (10000000 is 100,000.00)
  --label TEXT        create-key: what the key is for (1-64 characters)
  --json              list-users: one JSON object per line instead of a table
`;

export const BENCH_USAGE = `usage: deskex bench engine|settlement|pipeline|api [-- ARGS]

Runs a benchmark as npm run bench:NAME does (same node flags), passing its output through; ARGS after -- go to
the benchmark (for example: deskex bench engine -- --smoke --json). Exit code: the benchmark's. Benchmarks come
with a source checkout (test/bench), not with an installed app.

  engine       the matching engine alone vs nodejs-order-book: throughput, latency, heap
  settlement   daily settlement of many accounts
  pipeline     the whole running exchange: sequencer, matching, journal, acknowledgement
  api          the HTTP and WebSocket API against a running deskex serve

Each benchmark's options: test/bench/README.md.
`;

export const BENCHES = ['engine', 'settlement', 'pipeline', 'api'] as const;
