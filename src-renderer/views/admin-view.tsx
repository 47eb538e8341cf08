/**
 * Admin (instructor): instruments (add, reference price, suspend / resume / delist), trading phases including the
 * call auction, users, accounts with deposits, withdrawals and freezing, API keys, and the accounts at risk.
 */
import { type FormEvent, useState } from 'react';
import type { Account, ApiKeyInfo, Phase, Role, User } from '../api/types.ts';
import { PHASES } from '../api/types.ts';
import { ErrorNote, Field, Section, Tabs, useAction, useAsync } from '../components/common.tsx';
import { formatDateTime, formatMoney, formatPpm, formatPrice, parseFixed, parseWhole } from '../logic/format.ts';
import { useApp } from '../store/app-context.ts';

const TABS = [
  { id: 'instruments', label: 'Instruments and phases' },
  { id: 'users', label: 'Users' },
  { id: 'accounts', label: 'Accounts and funds' },
  { id: 'keys', label: 'API keys' },
  { id: 'risk', label: 'Risk' },
];

const PHASE_LABELS: Record<Phase, string> = {
  closed: 'Closed',
  preOpen: 'Pre-open (collect orders)',
  auction: 'Call auction (uncross)',
  continuous: 'Continuous',
  halted: 'Halted',
};

function InstrumentRow({ id }: { id: string }) {
  const { api, instruments, refreshInstruments } = useApp();
  const i = instruments.find((x) => x.spec.id === id)!;
  const d = i.spec.priceDecimals;
  const act = useAction();
  const [phase, setPhase] = useState<Phase>(i.phase ?? 'closed');
  const [ref, setRef] = useState('');
  const run = (f: () => Promise<unknown>) =>
    act.run(async () => {
      await f();
      await refreshInstruments();
    });
  return (
    <>
      <tr data-instrument={id}>
        <th scope="row">{id}</th>
        <td>{i.spec.kind}</td>
        <td className="num">{formatPrice(i.spec.priceTick, d)}</td>
        <td className="num">{i.spec.lotSize}</td>
        <td className="num">{i.spec.multiplier}</td>
        <td className="num">{formatPrice(i.spec.referencePrice, d)}</td>
        <td className="num">{formatPrice(i.lastPrice, d)}</td>
        <td>{i.spec.status}</td>
        <td data-testid={`phase-${id}`}>{i.phase ?? '—'}</td>
        <td className="actions">
          <label className="sr-only" htmlFor={`phase-pick-${id}`}>
            Phase of {id}
          </label>
          <select id={`phase-pick-${id}`} value={phase} onChange={(e) => setPhase(e.target.value as Phase)}>
            {PHASES.map((p) => (
              <option key={p} value={p}>
                {PHASE_LABELS[p]}
              </option>
            ))}
          </select>
          <button type="button" disabled={act.busy} onClick={() => void run(() => api.setPhase(id, phase))}>
            Set phase
          </button>
          <label className="sr-only" htmlFor={`ref-${id}`}>
            Reference price of {id}
          </label>
          <input
            id={`ref-${id}`}
            className="short"
            inputMode="decimal"
            placeholder="ref price"
            value={ref}
            onChange={(e) => setRef(e.target.value)}
          />
          <button
            type="button"
            disabled={act.busy}
            onClick={() =>
              void run(async () => {
                const p = parseFixed(ref, d);
                if (p === null || p <= 0) throw new Error('Enter a reference price.');
                await api.setReferencePrice(id, p);
                setRef('');
              })
            }
          >
            Set ref
          </button>
          {i.spec.status === 'active' ? (
            <button
              type="button"
              disabled={act.busy}
              onClick={() => void run(() => api.setInstrumentStatus(id, 'suspend'))}
            >
              Suspend
            </button>
          ) : i.spec.status === 'suspended' ? (
            <button
              type="button"
              disabled={act.busy}
              onClick={() => void run(() => api.setInstrumentStatus(id, 'resume'))}
            >
              Resume
            </button>
          ) : null}
          {i.spec.status !== 'delisted' ? (
            <button
              type="button"
              className="danger"
              disabled={act.busy}
              onClick={() => {
                if (window.confirm(`Delist ${id} for good?`)) void run(() => api.setInstrumentStatus(id, 'delist'));
              }}
            >
              Delist
            </button>
          ) : null}
        </td>
      </tr>
      {act.error ? (
        <tr className="row-error">
          <td colSpan={10}>
            <ErrorNote error={act.error} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

const TERMS_TEMPLATE = JSON.stringify(
  {
    marginLongPpm: 100000,
    marginShortPpm: 100000,
    commission: { kind: 'perLot', open: 300, close: 300, closeToday: 300 },
    closeRule: 'separate',
    settlement: { kind: 'last' },
  },
  null,
  2,
);

function AddInstrument() {
  const { api, refreshInstruments } = useApp();
  const act = useAction();
  const [f, setF] = useState({
    id: '',
    kind: 'future',
    priceTick: '1',
    priceDecimals: '0',
    lotSize: '1',
    multiplier: '10',
    maxOrderVolume: '1000',
    referencePrice: '',
    bandBps: '1000',
    terms: TERMS_TEMPLATE,
  });
  const [done, setDone] = useState<string | null>(null);
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF((x) => ({ ...x, [k]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    void act.run(async () => {
      const num = (k: keyof typeof f) => {
        const n = parseWhole(f[k]);
        if (n === null) throw new Error(`${k}: a whole number`);
        return n;
      };
      const spec: Record<string, unknown> = {
        id: f.id.trim(),
        kind: f.kind,
        priceTick: num('priceTick'),
        priceDecimals: num('priceDecimals'),
        lotSize: num('lotSize'),
        multiplier: num('multiplier'),
        maxOrderVolume: num('maxOrderVolume'),
        band: { kind: 'percent', bps: num('bandBps') },
      };
      if (f.referencePrice.trim() !== '') spec.referencePrice = num('referencePrice');
      if (f.terms.trim() !== '') {
        try {
          spec.terms = JSON.parse(f.terms);
        } catch {
          throw new Error('The trading terms are not valid JSON.');
        }
      }
      await api.addInstrument(spec);
      await refreshInstruments();
      setDone(`Added ${spec.id as string} (closed: set its phase to trade).`);
    });
  };
  return (
    <details>
      <summary>Add an instrument</summary>
      <form className="form-grid" onSubmit={submit} aria-label="Add an instrument">
        <Field label="Id">{(p) => <input {...p} value={f.id} onChange={set('id')} required />}</Field>
        <Field label="Kind">
          {(p) => (
            <select {...p} value={f.kind} onChange={set('kind')}>
              <option value="future">future</option>
              <option value="stock">stock</option>
            </select>
          )}
        </Field>
        <Field label="Price tick (price units)">
          {(p) => <input {...p} value={f.priceTick} onChange={set('priceTick')} />}
        </Field>
        <Field label="Price decimals">
          {(p) => <input {...p} value={f.priceDecimals} onChange={set('priceDecimals')} />}
        </Field>
        <Field label="Lot size">{(p) => <input {...p} value={f.lotSize} onChange={set('lotSize')} />}</Field>
        <Field label="Multiplier">{(p) => <input {...p} value={f.multiplier} onChange={set('multiplier')} />}</Field>
        <Field label="Max order volume">
          {(p) => <input {...p} value={f.maxOrderVolume} onChange={set('maxOrderVolume')} />}
        </Field>
        <Field label="Reference price (price units)">
          {(p) => <input {...p} value={f.referencePrice} onChange={set('referencePrice')} />}
        </Field>
        <Field label="Band (basis points)">{(p) => <input {...p} value={f.bandBps} onChange={set('bandBps')} />}</Field>
        <Field label="Trading terms (JSON)">
          {(p) => <textarea {...p} rows={8} value={f.terms} onChange={set('terms')} />}
        </Field>
        <button type="submit" className="primary" disabled={act.busy}>
          Add instrument
        </button>
        <ErrorNote error={act.error} />
        {done ? <p className="ok">{done}</p> : null}
      </form>
    </details>
  );
}

function Instruments() {
  const { api, instruments, refreshInstruments } = useApp();
  const act = useAction();
  const [note, setNote] = useState<string | null>(null);
  const all = (phase: Phase) =>
    act.run(async () => {
      const r = await api.setPhaseAll(phase);
      await refreshInstruments();
      const failed = r.results.filter((x) => !x.ok);
      setNote(
        failed.length === 0
          ? `Every instrument: ${PHASE_LABELS[phase]}.`
          : `Not moved: ${failed.map((x) => `${x.instrumentId} (${x.error?.message ?? 'refused'})`).join('; ')}`,
      );
    });
  return (
    <>
      <Section title="Phases of every instrument">
        <p className="muted small">
          A session: closed → pre-open (orders collected, no matching) → call auction (one uncross at the equilibrium
          price) → continuous; halted pauses matching; closed ends the day (settlement needs every instrument closed).
        </p>
        <fieldset className="actions plain">
          <legend className="sr-only">Set the phase of every instrument</legend>
          {PHASES.map((p) => (
            <button key={p} type="button" disabled={act.busy} onClick={() => void all(p)}>
              {PHASE_LABELS[p]}
            </button>
          ))}
        </fieldset>
        <ErrorNote error={act.error} />
        {note ? (
          <p className="ok" role="status">
            {note}
          </p>
        ) : null}
      </Section>
      <Section title="Instruments">
        <div className="table-wrap">
          <table className="grid" aria-label="Instruments" data-testid="admin-instruments">
            <thead>
              <tr>
                <th scope="col">Id</th>
                <th scope="col">Kind</th>
                <th scope="col">Tick</th>
                <th scope="col">Lot</th>
                <th scope="col">Mult.</th>
                <th scope="col">Ref</th>
                <th scope="col">Last</th>
                <th scope="col">Status</th>
                <th scope="col">Phase</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {instruments.map((i) => (
                <InstrumentRow key={i.spec.id} id={i.spec.id} />
              ))}
            </tbody>
          </table>
        </div>
        <AddInstrument />
      </Section>
    </>
  );
}

function UserRow({ u, onChange }: { u: User; onChange(): void }) {
  const { api, session } = useApp();
  const act = useAction();
  const [pw, setPw] = useState('');
  return (
    <tr data-user={u.username}>
      <td>{u.userId}</td>
      <th scope="row">{u.username}</th>
      <td>{u.role}</td>
      <td>{u.disabled ? 'disabled' : 'active'}</td>
      <td>{formatDateTime(u.createdMs)}</td>
      <td className="actions">
        <button
          type="button"
          disabled={act.busy || u.userId === session.userId}
          onClick={() =>
            void act.run(async () => {
              await api.updateUser(u.userId, { disabled: !u.disabled });
              onChange();
            })
          }
        >
          {u.disabled ? 'Enable' : 'Disable'}
        </button>
        <label className="sr-only" htmlFor={`pw-${u.userId}`}>
          New password for {u.username}
        </label>
        <input
          id={`pw-${u.userId}`}
          type="password"
          className="short"
          placeholder="new password"
          autoComplete="new-password"
          value={pw}
          onChange={(e) => setPw(e.target.value)}
        />
        <button
          type="button"
          disabled={act.busy || pw.length === 0}
          onClick={() =>
            void act.run(async () => {
              await api.updateUser(u.userId, { password: pw });
              setPw('');
            })
          }
        >
          Set password
        </button>
        <ErrorNote error={act.error} />
      </td>
    </tr>
  );
}

function Users() {
  const { api } = useApp();
  const users = useAsync(() => api.users(), []);
  const act = useAction();
  const [name, setName] = useState('');
  const [pw, setPw] = useState('');
  const [role, setRole] = useState<Role>('trader');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act.run(async () => {
      await api.createUser(name.trim(), pw, role);
      setName('');
      setPw('');
      users.reload();
    });
  };
  return (
    <Section title="Users">
      <form className="inline-form" onSubmit={submit} aria-label="Create a user">
        <Field label="Username">
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} required />}
        </Field>
        <Field label="Password (8+ characters)">
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="new-password"
              value={pw}
              onChange={(e) => setPw(e.target.value)}
              required
            />
          )}
        </Field>
        <Field label="Role">
          {(p) => (
            <select {...p} value={role} onChange={(e) => setRole(e.target.value as Role)}>
              <option value="trader">trader</option>
              <option value="viewer">viewer</option>
              <option value="admin">admin</option>
            </select>
          )}
        </Field>
        <button type="submit" className="primary" disabled={act.busy}>
          Create user
        </button>
      </form>
      <ErrorNote error={act.error ?? users.error} />
      <table className="grid" aria-label="Users" data-testid="admin-users">
        <thead>
          <tr>
            <th scope="col">Id</th>
            <th scope="col">Username</th>
            <th scope="col">Role</th>
            <th scope="col">State</th>
            <th scope="col">Created</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {(users.data ?? []).map((u) => (
            <UserRow key={u.userId} u={u} onChange={users.reload} />
          ))}
        </tbody>
      </table>
    </Section>
  );
}

function AccountRow({ a, users }: { a: Account; users: readonly User[] }) {
  const { api, refreshAccounts } = useApp();
  const act = useAction();
  const [amount, setAmount] = useState('');
  const money = () => {
    const m = parseFixed(amount, 2);
    if (m === null || m <= 0) throw new Error('Enter an amount.');
    return m;
  };
  const run = (f: () => Promise<unknown>) =>
    act.run(async () => {
      await f();
      setAmount('');
      await refreshAccounts();
    });
  return (
    <tr data-account={a.accountId}>
      <th scope="row">{a.accountId}</th>
      <td>{users.find((u) => u.userId === a.userId)?.username ?? a.userId}</td>
      <td>{a.accountKind}</td>
      <td className="num">{formatMoney(a.balance)}</td>
      <td className="num">{formatMoney(a.available)}</td>
      <td className="num">{formatMoney(a.margin)}</td>
      <td className="num">{formatPpm(a.riskRatioPpm)}</td>
      <td>{a.frozen ? 'frozen' : 'active'}</td>
      <td className="actions">
        <label className="sr-only" htmlFor={`amount-${a.accountId}`}>
          Amount for account {a.accountId}
        </label>
        <input
          id={`amount-${a.accountId}`}
          className="short"
          inputMode="decimal"
          placeholder="amount"
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
        />
        <button type="button" disabled={act.busy} onClick={() => void run(() => api.deposit(a.accountId, money()))}>
          Deposit
        </button>
        <button type="button" disabled={act.busy} onClick={() => void run(() => api.withdraw(a.accountId, money()))}>
          Withdraw
        </button>
        <button type="button" disabled={act.busy} onClick={() => void run(() => api.freeze(a.accountId, !a.frozen))}>
          {a.frozen ? 'Unfreeze' : 'Freeze'}
        </button>
        <ErrorNote error={act.error} />
      </td>
    </tr>
  );
}

function Accounts() {
  const { api, accountList, refreshAccounts } = useApp();
  const users = useAsync(() => api.users(), []);
  const act = useAction();
  const [userId, setUserId] = useState('');
  const [kind, setKind] = useState<'futures' | 'stock'>('futures');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act.run(async () => {
      const id = Number(userId);
      if (!Number.isInteger(id) || id <= 0) throw new Error('Pick a user.');
      await api.createAccount(id, kind);
      await refreshAccounts();
    });
  };
  return (
    <Section title="Accounts">
      <form className="inline-form" onSubmit={submit} aria-label="Create an account">
        <Field label="User">
          {(p) => (
            <select {...p} value={userId} onChange={(e) => setUserId(e.target.value)}>
              <option value="">— pick a user —</option>
              {(users.data ?? []).map((u) => (
                <option key={u.userId} value={u.userId}>
                  {u.username}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Kind">
          {(p) => (
            <select {...p} value={kind} onChange={(e) => setKind(e.target.value as 'futures' | 'stock')}>
              <option value="futures">futures</option>
              <option value="stock">stock</option>
            </select>
          )}
        </Field>
        <button type="submit" className="primary" disabled={act.busy}>
          Create account
        </button>
      </form>
      <ErrorNote error={act.error} />
      <p className="muted small">Amounts are in currency units (two decimals).</p>
      <div className="table-wrap">
        <table className="grid" aria-label="Accounts" data-testid="admin-accounts">
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">User</th>
              <th scope="col">Kind</th>
              <th scope="col">Balance</th>
              <th scope="col">Available</th>
              <th scope="col">Margin</th>
              <th scope="col">Risk</th>
              <th scope="col">State</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {accountList.map((a) => (
              <AccountRow key={a.accountId} a={a} users={users.data ?? []} />
            ))}
          </tbody>
        </table>
      </div>
    </Section>
  );
}

function ApiKeys() {
  const { api, accountList } = useApp();
  const [accountId, setAccountId] = useState<number | null>(accountList[0]?.accountId ?? null);
  const keys = useAsync<ApiKeyInfo[]>(
    () => (accountId === null ? Promise.resolve([]) : api.apiKeys(accountId)),
    [accountId],
  );
  const act = useAction();
  const [label, setLabel] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const create = (e: FormEvent) => {
    e.preventDefault();
    if (accountId === null) return;
    void act.run(async () => {
      const r = await api.createApiKey(accountId, label.trim() || 'key');
      setSecret(r.key);
      setLabel('');
      keys.reload();
    });
  };
  return (
    <Section title="API keys">
      <form className="inline-form" onSubmit={create} aria-label="Create an API key">
        <Field label="Account">
          {(p) => (
            <select {...p} value={accountId ?? ''} onChange={(e) => setAccountId(Number(e.target.value))}>
              {accountList.map((a) => (
                <option key={a.accountId} value={a.accountId}>
                  {a.accountId}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Label">{(p) => <input {...p} value={label} onChange={(e) => setLabel(e.target.value)} />}</Field>
        <button type="submit" className="primary" disabled={act.busy || accountId === null}>
          Create key
        </button>
      </form>
      {secret ? (
        <p className="ok" role="status">
          New key (shown once, copy it now): <code data-testid="new-api-key">{secret}</code>
        </p>
      ) : null}
      <ErrorNote error={act.error ?? keys.error} />
      <table className="grid" aria-label="API keys">
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Prefix</th>
            <th scope="col">Label</th>
            <th scope="col">Created</th>
            <th scope="col">State</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(keys.data ?? []).map((k) => (
            <tr key={k.keyId}>
              <td>{k.keyId}</td>
              <td>
                <code>{k.prefix}</code>
              </td>
              <td>{k.label}</td>
              <td>{formatDateTime(k.createdMs)}</td>
              <td>{k.revokedMs === null ? 'active' : `revoked ${formatDateTime(k.revokedMs)}`}</td>
              <td>
                {k.revokedMs === null ? (
                  <button
                    type="button"
                    className="danger"
                    onClick={() =>
                      void act.run(async () => {
                        await api.revokeApiKey(k.keyId);
                        keys.reload();
                      })
                    }
                  >
                    Revoke
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

function Risk() {
  const { api, accountList } = useApp();
  const runs = useAsync(() => api.settlements(), []);
  const act = useAction();
  const [done, setDone] = useState<string | null>(null);
  const last = runs.data?.[0];
  const sorted = [...accountList].sort((a, b) => b.riskRatioPpm - a.riskRatioPpm).slice(0, 20);
  return (
    <Section title="Risk">
      <p className="muted small">
        The exchange force-liquidates an account intraday when its risk ratio reaches the threshold (its orders are
        canceled and its largest positions closed at the band); the settlement lists accounts at or above it. Liquidate
        closes an account's positions now, whatever its ratio.
      </p>
      <ErrorNote error={act.error} />
      {done !== null ? <p role="status">{done}</p> : null}
      <h3>Highest risk ratios</h3>
      <table className="grid" aria-label="Accounts by risk ratio">
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col">Risk ratio</th>
            <th scope="col">Balance</th>
            <th scope="col">Margin</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((a) => (
            <tr key={a.accountId}>
              <td>{a.accountId}</td>
              <td className="num">{formatPpm(a.riskRatioPpm)}</td>
              <td className="num">{formatMoney(a.balance)}</td>
              <td className="num">{formatMoney(a.margin)}</td>
              <td>
                {a.accountKind === 'futures' && a.margin > 0 ? (
                  <button
                    type="button"
                    className="danger"
                    aria-label={`Liquidate account ${a.accountId}`}
                    onClick={() =>
                      void act.run(async () => {
                        const r = await api.liquidate(a.accountId);
                        setDone(`Account ${a.accountId}: ${r.trades} trades, ended ${r.reason ?? 'at once'}.`);
                      })
                    }
                  >
                    Liquidate
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>At risk after the last settlement</h3>
      <p>
        {last === undefined
          ? 'No settlement yet.'
          : last.atRisk.length === 0
            ? `None (day ${last.tradingDay}).`
            : last.atRisk.join(', ')}
      </p>
    </Section>
  );
}

export function AdminView() {
  const { isAdmin } = useApp();
  const [tab, setTab] = useState('instruments');
  if (!isAdmin) return <p className="muted">The admin pages are for admins (instructors).</p>;
  return (
    <div className="admin" data-testid="admin-view">
      <Tabs label="Admin" tabs={TABS} active={tab} onChange={setTab} />
      <div role="tabpanel" aria-labelledby={`tab-${tab}`}>
        {tab === 'instruments' ? <Instruments /> : null}
        {tab === 'users' ? <Users /> : null}
        {tab === 'accounts' ? <Accounts /> : null}
        {tab === 'keys' ? <ApiKeys /> : null}
        {tab === 'risk' ? <Risk /> : null}
      </div>
    </div>
  );
}
