/**
 * SIP accounts, owned by the server: the one source of truth for who may register at the SIP
 * edge. Passwords are turned into digest hashes (HA1, HA1b) here and never stored. Kamailio
 * reads the `subscriber` view over this table (see config/kamailio/README.md); every change
 * is announced to `onChange` listeners, so an edge that reads a file copy refreshes it at once.
 */
import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';
import type { Sql } from '../store/db';
import { NotFound, ValidationError } from '../errors';

/** A SIP user name: what a phone puts in its digest `username` and its AoR. */
export const sipUsername = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, dot, dash or underscore');
export const sipPassword = z.string().min(4, 'must be at least 4 characters').max(128);

export const sipAccountInput = z.object({
  username: sipUsername,
  password: sipPassword,
  /** `phone`: desk phone, field unit phone, caller; `node`: a server node's own user agent. */
  kind: z.enum(['phone', 'node']),
  displayName: z.string().min(1).max(120),
  unitId: z.string().min(1).max(64).nullable().default(null),
  agencyId: z.string().min(1).max(64).nullable().default(null),
  enabled: z.boolean().default(true),
});
export type SipAccountInput = z.input<typeof sipAccountInput>;

/** An account as the server shows it (no hashes). */
export interface SipAccount {
  username: string;
  domain: string;
  kind: 'phone' | 'node';
  displayName: string;
  unitId: string | null;
  agencyId: string | null;
  enabled: boolean;
}

/** A row of the `subscriber` view: what the edge may know. */
export interface SubscriberRow {
  username: string;
  domain: string;
  ha1: string;
  ha1b: string;
  kind: string;
}

/** What changed, for listeners (the edge drops the registrations of a disabled account). */
export interface SipAccountChange {
  username: string;
  domain: string;
  enabled: boolean;
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** RFC 2617 HA1 with the realm equal to the domain, and HA1b for `user@domain` digest user names. */
export function digestHashes(username: string, domain: string, password: string): { ha1: string; ha1b: string } {
  return { ha1: md5(`${username}:${domain}:${password}`), ha1b: md5(`${username}@${domain}:${domain}:${password}`) };
}

/** The SIP account name of a server node (its user agents register with it). */
export const nodeAccountName = (nodeId: string) => `node.${nodeId}`.slice(0, 64);

/** A node account's password, derived from the deployment's shared secret: every node can
 *  compute its own, and nothing needs to store it. */
export function nodePassword(secret: string, username: string): string {
  return createHmac('sha256', secret).update(`sip-node:${username}`).digest('base64url').slice(0, 32);
}

type Row = { username: string; domain: string; kind: 'phone' | 'node'; display_name: string; unit_id: string | null; agency_id: string | null; enabled: boolean };
const toAccount = (r: Row): SipAccount => ({
  username: r.username, domain: r.domain, kind: r.kind, displayName: r.display_name, unitId: r.unit_id, agencyId: r.agency_id, enabled: r.enabled,
});

export class SipAccounts {
  private readonly listeners = new Set<(changes: SipAccountChange[]) => void | Promise<void>>();

  constructor(private readonly sql: Sql, readonly domain: string) {}

  /** Calls `fn` after every committed change. A listener that fails fails the change's call
   *  (the row is committed, but the edge may not know yet): callers must hear of it. */
  onChange(fn: (changes: SipAccountChange[]) => void | Promise<void>): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Creates an account, or with `replace` overwrites it (password, kind, names, enabled). Returns whether a row was written. */
  async put(input: SipAccountInput, opts: { replace?: boolean } = {}): Promise<boolean> {
    const a = parse(sipAccountInput, input, 'SIP account');
    const { ha1, ha1b } = digestHashes(a.username, this.domain, a.password);
    const rows = opts.replace
      ? await this.sql`
          INSERT INTO sip_accounts (username, domain, ha1, ha1b, enabled, kind, display_name, unit_id, agency_id)
          VALUES (${a.username}, ${this.domain}, ${ha1}, ${ha1b}, ${a.enabled}, ${a.kind}, ${a.displayName}, ${a.unitId}, ${a.agencyId})
          ON CONFLICT (username, domain) DO UPDATE SET ha1 = excluded.ha1, ha1b = excluded.ha1b, enabled = excluded.enabled,
            kind = excluded.kind, display_name = excluded.display_name, unit_id = excluded.unit_id, agency_id = excluded.agency_id, updated_at = now()
          RETURNING username`
      : await this.sql`
          INSERT INTO sip_accounts (username, domain, ha1, ha1b, enabled, kind, display_name, unit_id, agency_id)
          VALUES (${a.username}, ${this.domain}, ${ha1}, ${ha1b}, ${a.enabled}, ${a.kind}, ${a.displayName}, ${a.unitId}, ${a.agencyId})
          ON CONFLICT DO NOTHING RETURNING username`;
    if (rows.length) await this.changed([{ username: a.username, domain: this.domain, enabled: a.enabled }]);
    return rows.length > 0;
  }

  /** Creates the accounts that do not exist yet, in one statement (idempotent seeding); returns how many were new. */
  async putMissing(inputs: SipAccountInput[]): Promise<number> {
    const rows = inputs.map((input) => {
      const a = parse(sipAccountInput, input, 'SIP account');
      const { ha1, ha1b } = digestHashes(a.username, this.domain, a.password);
      return { username: a.username, domain: this.domain, ha1, ha1b, enabled: a.enabled, kind: a.kind, display_name: a.displayName, unit_id: a.unitId, agency_id: a.agencyId };
    });
    if (!rows.length) return 0;
    const created = await this.sql<{ username: string; enabled: boolean }[]>`
      INSERT INTO sip_accounts ${this.sql(rows)} ON CONFLICT DO NOTHING RETURNING username, enabled`;
    if (created.length) await this.changed(created.map((r) => ({ username: r.username, domain: this.domain, enabled: r.enabled })));
    return created.length;
  }

  /** Changes a password; the edge checks the new one from the next request on. */
  async setPassword(username: string, password: string): Promise<void> {
    const user = parse(sipUsername, username, 'SIP user name');
    const { ha1, ha1b } = digestHashes(user, this.domain, parse(sipPassword, password, 'SIP password'));
    const rows = await this.sql<{ enabled: boolean }[]>`
      UPDATE sip_accounts SET ha1 = ${ha1}, ha1b = ${ha1b}, updated_at = now()
      WHERE username = ${user} AND domain = ${this.domain} RETURNING enabled`;
    if (!rows.length) throw new NotFound(`no SIP account ${user}`);
    await this.changed([{ username: user, domain: this.domain, enabled: rows[0]!.enabled }]);
  }

  /** Enables or disables an account; a disabled one is refused from its next request on. */
  async setEnabled(username: string, enabled: boolean): Promise<void> {
    const user = parse(sipUsername, username, 'SIP user name');
    const rows = await this.sql`
      UPDATE sip_accounts SET enabled = ${enabled}, updated_at = now() WHERE username = ${user} AND domain = ${this.domain} RETURNING username`;
    if (!rows.length) throw new NotFound(`no SIP account ${user}`);
    await this.changed([{ username: user, domain: this.domain, enabled }]);
  }

  async get(username: string): Promise<SipAccount | null> {
    const [row] = await this.sql<Row[]>`
      SELECT username, domain, kind, display_name, unit_id, agency_id, enabled FROM sip_accounts
      WHERE username = ${username} AND domain = ${this.domain}`;
    return row ? toAccount(row) : null;
  }

  async list(): Promise<SipAccount[]> {
    const rows = await this.sql<Row[]>`
      SELECT username, domain, kind, display_name, unit_id, agency_id, enabled FROM sip_accounts
      WHERE domain = ${this.domain} ORDER BY username`;
    return rows.map(toAccount);
  }

  /** Exactly what Kamailio sees: the rows of the `subscriber` view. */
  subscribers(): Promise<SubscriberRow[]> {
    return this.sql<SubscriberRow[]>`SELECT username, domain, ha1, ha1b, kind FROM subscriber ORDER BY username, domain`;
  }

  /** Creates or refreshes this node's own account; returns the credentials its user agents use. */
  async ensureNodeAccount(nodeId: string, secret: string): Promise<{ username: string; password: string }> {
    const username = nodeAccountName(nodeId);
    const password = nodePassword(secret, username);
    await this.put({ username, password, kind: 'node', displayName: `Server node ${nodeId}` }, { replace: true });
    return { username, password };
  }

  private async changed(changes: SipAccountChange[]): Promise<void> {
    for (const fn of this.listeners) await fn(changes);
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw ValidationError.fromZod(r.error, what);
  return r.data;
}
