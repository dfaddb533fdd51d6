/**
 * Demo SIP accounts for the demo city: a phone per field unit (user name = the unit's sign-in
 * name, e.g. `e-21`), a desk phone per agency (`desk.police`) and a few caller phones
 * (`caller.1`..). Created once, never overwritten: a password changed later stays changed.
 */
import type { CitySeed } from '../../config/seed/schema';
import type { SipAccountInput, SipAccounts } from './accounts';

/** How many `caller.N` phones the demo has (people calling the emergency lines in tests and demos). */
export const DEMO_CALLER_PHONES = 3;

export function demoSipAccounts(city: CitySeed, password: string): SipAccountInput[] {
  const units = city.units.map((u): SipAccountInput => ({
    username: u.id.toLowerCase(), password, kind: 'phone', displayName: u.callsign, unitId: u.id, agencyId: u.agencyId,
  }));
  const desks = city.agencies.map((a): SipAccountInput => ({
    username: `desk.${a.id}`, password, kind: 'phone', displayName: `${a.name} desk`, agencyId: a.id,
  }));
  const callers = Array.from({ length: DEMO_CALLER_PHONES }, (_, i): SipAccountInput => ({
    username: `caller.${i + 1}`, password, kind: 'phone', displayName: `Caller ${i + 1}`,
  }));
  return [...units, ...desks, ...callers];
}

/** Seeds the demo accounts that are missing; returns how many were created. */
export function seedSipAccounts(accounts: SipAccounts, city: CitySeed, password: string): Promise<number> {
  return accounts.putMissing(demoSipAccounts(city, password));
}
