/**
 * What a principal may do: the one place roles are decided (docs/api.md, "Roles"). Admins may do everything; a
 * session of a trader acts for the accounts its user owns; an API key acts for its one account; viewers read
 * market data and the accounts they own, and trade nothing.
 */
import type { Engine } from '../../src-engine/engine.ts';
import type { Principal } from './auth.ts';
import { ApiError } from './errors.ts';

/** Does the principal own (or administer) this account? Unknown accounts are owned by nobody but admins. */
export function ownsAccount(p: Principal, engine: Engine, accountId: number): boolean {
  if (p.role === 'admin' && p.via === 'session') return true;
  if (p.keyAccountId !== null) return p.keyAccountId === accountId;
  return engine.account(accountId)?.userId === p.userId;
}

/** Read an account's orders, trades, QIFI fields, positions and statements. */
export function assertCanRead(p: Principal, engine: Engine, accountId: number): void {
  if (!ownsAccount(p, engine, accountId)) throw new ApiError('API_FORBIDDEN', `account ${accountId} is not yours`);
}

/** Place, cancel and modify orders for an account. */
export function assertCanTrade(p: Principal, engine: Engine, accountId: number): void {
  if (p.role === 'viewer') throw new ApiError('API_FORBIDDEN', 'viewers do not trade');
  assertCanRead(p, engine, accountId);
}

export function assertAdmin(p: Principal): void {
  if (p.role !== 'admin' || p.via !== 'session') {
    throw new ApiError('API_FORBIDDEN', 'only an admin (instructor) session may do this');
  }
}

/** The accounts a principal acts for (admins: every account). */
export function accountsOf(p: Principal, engine: Engine): number[] {
  if (p.keyAccountId !== null) return [p.keyAccountId];
  const all = engine.accountIds();
  if (p.role === 'admin') return all;
  return all.filter((id) => engine.account(id)?.userId === p.userId);
}
