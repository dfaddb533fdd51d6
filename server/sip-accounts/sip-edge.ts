/**
 * Wires the SIP accounts to the SIP edge: picks how Kamailio reads the accounts (the
 * PostgreSQL view through a SELECT-only role, or on PGlite a db_text file the server keeps
 * current), seeds the demo accounts, creates this node's own account, and starts the
 * supervised Kamailio (or, with SIP_EDGE_WS_URL, joins the edge another node runs: the node
 * account is this node's own, `node.<NODE_ID>`, in the shared PostgreSQL the edge reads, so
 * every node registers the shared AoR with its own credentials). Called once by the composition root.
 */
import { isAbsolute, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../config/env';
import type { CitySeed } from '../../config/seed/schema';
import type { Database } from '../store/db';
import { KamailioEdge } from '../../media/sip/KamailioEdge';
import type { EdgeAccountSource } from '../../media/sip/kamailio-config';
import { SipAccounts } from './accounts';
import { seedSipAccounts } from './seed';
import { SubscriberFile } from './subscriber-file';
import { edgeDatabaseAccess, provisionEdgeRole } from './edge-role';

/** The AoR all server nodes register under: a call to it reaches one node, with failover. */
export const NODE_AOR = 'dispatch';

export interface SipEdge {
  accounts: SipAccounts;
  edge: KamailioEdge;
  /** This node's SIP credentials (for its user agents on the internal WebSocket port). */
  node: { username: string; password: string; aor: string };
  close(): Promise<void>;
}

export async function startSipEdge(config: Config, db: Database, secret: string, city: CitySeed, log: Logger): Promise<SipEdge> {
  const accounts = new SipAccounts(db.sql, config.SIP_DOMAIN);
  const dir = join(isAbsolute(config.DATA_DIR) ? config.DATA_DIR : resolve(config.DATA_DIR), 'kamailio');
  let source: EdgeAccountSource;
  if (db.kind === 'postgres' && config.DATABASE_URL) {
    try {
      await provisionEdgeRole(db.sql, config.DATABASE_SCHEMA, config.SIP_DB_ROLE, secret);
    } catch (err) {
      log.warn({ err, role: config.SIP_DB_ROLE }, 'could not provision the SIP edge database role (needs CREATEROLE); see config/kamailio/README.md');
    }
    source = { kind: 'postgres', ...edgeDatabaseAccess(config.DATABASE_URL, config.DATABASE_SCHEMA, config.SIP_DB_ROLE, secret) };
  } else {
    const file = new SubscriberFile(join(dir, 'accounts'), () => accounts.subscribers());
    accounts.onChange(() => file.refresh());
    await file.refresh();
    source = { kind: 'dbtext', dir: file.dir };
  }
  if (config.SEED_DEMO) {
    const created = await seedSipAccounts(accounts, city, config.DEMO_PASSWORD);
    if (created) log.info({ accounts: created }, 'demo SIP accounts created');
  }
  const node = await accounts.ensureNodeAccount(config.NODE_ID, secret);
  const edge = new KamailioEdge({
    enabled: config.SIP_ENABLED, dir, listenIp: config.SIP_LISTEN_IP, sipPort: config.SIP_PORT, wsPort: config.SIP_WS_PORT,
    domain: config.SIP_DOMAIN, nodeAor: NODE_AOR, workers: config.SIP_WORKERS, accounts: source, lines: city.lines.map((l) => l.number),
    externalWsUrl: config.SIP_EDGE_WS_URL, trunk: sipTrunk(config.SIP_TRUNK),
  }, log);
  // A disabled account also loses its current registrations, so no call is routed to it.
  accounts.onChange(async (changes) => {
    for (const c of changes) if (!c.enabled) await edge.forget(c.username).catch((err) => log.warn({ err, username: c.username }, 'could not drop the registrations of a disabled SIP account'));
  });
  await edge.start();
  return { accounts, edge, node: { ...node, aor: NODE_AOR }, close: () => edge.stop() };
}

/** `SIP_TRUNK` (`ip:port`, validated in config/env.ts) as the edge takes it. */
function sipTrunk(value: string | undefined): { ip: string; port: number } | null {
  if (!value) return null;
  const at = value.lastIndexOf(':');
  return { ip: value.slice(0, at), port: Number(value.slice(at + 1)) };
}
