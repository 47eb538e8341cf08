/**
 * The deskex command line (bin/deskex.mjs). Each command is a module in cli/ with its own options and usage text;
 * this file picks the command and turns errors into one line and an exit code.
 *
 *   deskex serve | replay --verify | export | backup | restore | admin | bench | help
 *
 * Exit codes: 0 done; 1 failed (a check failed, the exchange stopped, or the command was refused on its merits);
 * 2 wrong usage or a setting that cannot work here (a port in use); 3 a data folder or database file refused (not
 * deskex's, damaged, in use by a running deskex, or there already without --force).
 */
import { parseArgs } from 'node:util';
import { endProgressLine, Failure, Refused, SettingError, UsageError } from './cli/common.ts';
import {
  ADMIN_USAGE,
  BACKUP_USAGE,
  BENCH_USAGE,
  EXPORT_USAGE,
  REPLAY_USAGE,
  RESTORE_USAGE,
  SERVE_OPTIONS_TEXT,
  SERVE_USAGE,
} from './cli/usage.ts';
import { DataFileError } from './store/database.ts';

const USAGE = `deskex: a desktop exchange

usage:
  deskex serve [options]           run the exchange headless (creates the demo market in a new data folder)
  deskex replay --verify [options] replay the whole journal in a worker and check every digest and snapshot hash
  deskex export trades|statements  the trades, or a day's settlement statements, as CSV (also while serving)
  deskex backup --to FILE          a consistent copy of the database, also while serving
  deskex restore --from FILE       put a backup in place, after recovering and checking it
  deskex admin SUBCOMMAND          create-user, create-account, create-key, list-users
  deskex bench NAME [-- ARGS]      run a benchmark: engine, settlement, pipeline, api
  deskex help [COMMAND]            this text, or a command's own (as deskex COMMAND --help)

Every command takes --help; those that work on a data folder take --data-dir DIR (default ./data; the database is
DIR/deskex.db).

serve options:
${SERVE_OPTIONS_TEXT}
exit codes: 0 done, 1 failed, 2 wrong usage or a setting that cannot work here, 3 data folder or file refused
`;

type Run = (args: string[]) => Promise<number>;

/** Each command's module is loaded only when it runs (serve's pulls in the whole API server). */
const COMMANDS: Record<string, { load: () => Promise<Run>; usage: string }> = {
  serve: { load: async () => (await import('./cli/serve.ts')).serve, usage: SERVE_USAGE },
  replay: { load: async () => (await import('./cli/serve.ts')).replay, usage: REPLAY_USAGE },
  export: { load: async () => (await import('./cli/export.ts')).exportCommand, usage: EXPORT_USAGE },
  backup: { load: async () => (await import('./cli/backup.ts')).backup, usage: BACKUP_USAGE },
  restore: { load: async () => (await import('./cli/backup.ts')).restore, usage: RESTORE_USAGE },
  admin: { load: async () => (await import('./cli/admin.ts')).admin, usage: ADMIN_USAGE },
  bench: { load: async () => (await import('./cli/bench.ts')).bench, usage: BENCH_USAGE },
};

/** Every option name any command takes, with its type: only to find the command word among the arguments. */
const ALL_OPTIONS = {
  'data-dir': { type: 'string' },
  durability: { type: 'string' },
  shards: { type: 'string' },
  orders: { type: 'string' },
  'status-every': { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'allowed-host': { type: 'string' },
  'rate-limit': { type: 'string' },
  account: { type: 'string' },
  instrument: { type: 'string' },
  day: { type: 'string' },
  out: { type: 'string' },
  to: { type: 'string' },
  from: { type: 'string' },
  username: { type: 'string' },
  role: { type: 'string' },
  password: { type: 'string' },
  user: { type: 'string' },
  kind: { type: 'string' },
  deposit: { type: 'string' },
  label: { type: 'string' },
} as const;

/** The command word (the first positional, options may come before it) and the arguments without it. */
function splitCommand(argv: string[]): { command: string | undefined; rest: string[] } {
  const { tokens } = parseArgs({
    args: argv,
    options: ALL_OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const t of tokens) {
    if (t.kind === 'option-terminator') break;
    if (t.kind === 'positional') return { command: t.value, rest: argv.filter((_, i) => i !== t.index) };
  }
  return { command: undefined, rest: argv };
}

async function main(argv: string[]): Promise<number> {
  const { command, rest } = splitCommand(argv);
  if (command === undefined) {
    const help = rest.includes('--help') || rest.includes('-h');
    if (!help && rest.length > 0) {
      const first = rest.find((a) => a.startsWith('-')) ?? rest[0]!;
      throw new UsageError(`Unknown option '${first}' (or a command is missing)`, USAGE);
    }
    process.stdout.write(USAGE);
    return help ? 0 : 2;
  }
  if (command === 'help') {
    const [topic, ...extra] = rest.filter((a) => a !== '--help' && a !== '-h');
    if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`, USAGE);
    if (topic === undefined) {
      process.stdout.write(USAGE);
      return 0;
    }
    const c = COMMANDS[topic];
    if (c === undefined) throw new UsageError(`unknown command ${topic}`, USAGE);
    process.stdout.write(c.usage);
    return 0;
  }
  const c = COMMANDS[command];
  if (c === undefined) throw new UsageError(`unknown command ${command}`, USAGE);
  // --help (before a --) is answered without loading the command
  const own = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (own.includes('--help') || own.includes('-h')) {
    process.stdout.write(c.usage);
    return 0;
  }
  return (await c.load())(rest);
}

function fail(code: number, message: string): never {
  endProgressLine();
  process.stderr.write(`deskex: ${message}\n`);
  process.exit(code);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (e: unknown) => {
    if (e instanceof UsageError) fail(2, `${e.message}\n\n${e.usage}`);
    if (e instanceof SettingError) fail(2, e.message);
    if (e instanceof Failure) fail(1, e.message);
    if (e instanceof Refused) fail(3, e.message);
    if (e instanceof DataFileError) fail(3, e.message);
    // host/recovery.ts's RecoveryError, by name: importing it would load the engine for every command
    if (e instanceof Error && e.name === 'RecoveryError') fail(3, e.message);
    fail(1, (e as Error).stack ?? String(e));
  },
);
