/**
 * SIP accounts: hashes only, idempotent demo seeding, what the edge may see (the view, the
 * db_text file), the SELECT-only role on PostgreSQL, and an edge without Kamailio installed.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import pino from 'pino';
import { openDatabase, type Database } from '../store/db';
import { migrate } from '../store/migrate';
import { loadDemoCity } from '../../config/seed';
import { testConfig, dropTestState } from '../../tests/support/env';
import { digestHashes, SipAccounts } from './accounts';
import { seedSipAccounts } from './seed';
import { SubscriberFile, subscriberTable } from './subscriber-file';
import { edgeDatabaseAccess, provisionEdgeRole } from './edge-role';
import { KamailioEdge } from '../../media/sip/KamailioEdge';
import { renderKamailioConfig } from '../../media/sip/kamailio-config';

const config = testConfig();
let db: Database;
let accounts: SipAccounts;

beforeAll(async () => {
  db = await openDatabase({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, dataDir: config.DATA_DIR });
  await migrate(db.sql);
  accounts = new SipAccounts(db.sql, 'beacon.local');
}, 30_000);

afterAll(async () => {
  await db?.close();
  await dropTestState(config);
});

test('an account keeps digest hashes, never the password', async () => {
  await accounts.put({ username: 'desk.test', password: 'correct horse', kind: 'phone', displayName: 'Test desk', agencyId: 'police' });
  const [row] = await db.sql`SELECT * FROM sip_accounts WHERE username = 'desk.test'`;
  expect(row!.ha1).toBe(digestHashes('desk.test', 'beacon.local', 'correct horse').ha1);
  expect(JSON.stringify(row)).not.toContain('correct horse');
  await expect(accounts.put({ username: 'bad name', password: 'xxxxx', kind: 'phone', displayName: 'x' })).rejects.toThrow(/invalid SIP account: username/);
  await expect(accounts.setEnabled('nobody', false)).rejects.toThrow(/no SIP account nobody/);
});

test('demo accounts are seeded once: a phone per field unit, a desk per agency, callers', async () => {
  const city = loadDemoCity();
  const first = await seedSipAccounts(accounts, city, 'beacon');
  expect(first).toBe(city.units.length + city.agencies.length + 3);
  await accounts.setPassword('e-21', 'changed later');
  expect(await seedSipAccounts(accounts, city, 'beacon')).toBe(0);
  const [e21] = await db.sql`SELECT ha1, unit_id FROM sip_accounts WHERE username = 'e-21'`;
  expect(e21).toEqual({ ha1: digestHashes('e-21', 'beacon.local', 'changed later').ha1, unit_id: 'E-21' });
});

test('the edge sees enabled accounts only, and the db_text file follows every change at once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-subscriber-'));
  const file = new SubscriberFile(dir, () => accounts.subscribers());
  accounts.onChange(() => file.refresh());
  await file.refresh();
  const mtime = () => statSync(join(dir, 'subscriber')).mtimeMs;
  const before = mtime();
  await accounts.setEnabled('desk.test', false);
  expect((await accounts.subscribers()).some((s) => s.username === 'desk.test')).toBe(false);
  expect(readFileSync(join(dir, 'subscriber'), 'utf8')).not.toContain('desk.test:');
  // Kamailio reloads only on a strictly newer mtime (whole seconds): each write moves it on.
  expect(mtime()).toBeGreaterThanOrEqual(before + 1000);
});

test('db_text rows escape the delimiter', () => {
  expect(subscriberTable([{ username: 'a:b', domain: 'd', ha1: 'h', ha1b: 'k', kind: 'phone' }]).split('\n')[1]).toBe('a\\:b:d:h:k:phone');
});

test('a bad value never reaches the Kamailio config', () => {
  const values = {
    listenIp: '127.0.0.1', sipPort: 5060, wsPort: 5066, domain: 'beacon.local', nodeAor: 'dispatch', workers: 1,
    rpcToken: 'a'.repeat(24), runDir: '/tmp/run', accounts: { kind: 'dbtext' as const, dir: '/tmp/db' },
  };
  expect(renderKamailioConfig(values)).toContain('listen=udp:127.0.0.1:5060');
  expect(() => renderKamailioConfig({ ...values, domain: 'x"\nloadmodule "evil.so' })).toThrow(/domain .* is not a valid domain/);
});

test('without Kamailio installed the edge is unavailable, and says why', async () => {
  const edge = new KamailioEdge({
    enabled: true, dir: mkdtempSync(join(tmpdir(), 'beacon-edge-')), listenIp: '127.0.0.1', sipPort: 0, wsPort: 0, domain: 'beacon.local',
    nodeAor: 'dispatch', workers: 1, accounts: { kind: 'dbtext', dir: '/tmp' }, bin: '/nonexistent/kamailio',
  }, pino({ level: 'silent' }));
  await edge.start();
  expect(edge.state).toBe('unavailable');
  expect(edge.describe()).toMatch(/unavailable: .*not found/);
  await edge.stop();
});

// Always on the real PostgreSQL (the embedded backend has no roles): a schema of its own.
test("Kamailio's role may read the subscriber view and nothing else (PostgreSQL)", async () => {
  const pgConfig = testConfig('postgres');
  const pg = await openDatabase({ url: pgConfig.DATABASE_URL, schema: pgConfig.DATABASE_SCHEMA, dataDir: pgConfig.DATA_DIR });
  try {
    await migrate(pg.sql);
    await new SipAccounts(pg.sql, 'beacon.local').put({ username: 'desk.role', password: 'role test', kind: 'phone', displayName: 'Role test', agencyId: 'police' });
    await provisionEdgeRole(pg.sql, pgConfig.DATABASE_SCHEMA, pgConfig.SIP_DB_ROLE, pgConfig.AUTH_SECRET!);
    const access = edgeDatabaseAccess(pgConfig.DATABASE_URL!, pgConfig.DATABASE_SCHEMA, pgConfig.SIP_DB_ROLE, pgConfig.AUTH_SECRET!);
    const edgeSql = postgres(access.url, { max: 1, onnotice: () => {}, connection: { search_path: pgConfig.DATABASE_SCHEMA } });
    try {
      expect((await edgeSql`SELECT count(*)::int AS n FROM subscriber`)[0]!.n).toBeGreaterThan(0);
      await expect(edgeSql`SELECT * FROM sip_accounts`).rejects.toThrow(/permission denied/);
      await expect(edgeSql`UPDATE subscriber SET ha1 = ha1`).rejects.toThrow(/permission denied/);
    } finally {
      await edgeSql.end();
    }
  } finally {
    await pg.close();
    await dropTestState(pgConfig);
  }
});
