/**
 * Test environments. The suite runs against whatever the environment names: with
 * DATABASE_URL / REDIS_URL set, the real PostgreSQL and Redis; without, embedded PGlite and
 * the in-process bus. Each test app gets its own schema (PostgreSQL), data directory (PGlite)
 * and Redis prefix, so suites run in parallel without seeing each other.
 */
import { cpSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { createClient } from 'redis';
import { loadConfig, type Config } from '../../config/env';

/** Real servers used by tests that always need them (two nodes sharing state, contract suites). */
export const REAL_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REAL_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** A PGlite data directory already migrated once per test run (made by tests/support/global-setup.ts). */
export function freshDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-test-'));
  const template = process.env.BEACON_PGLITE_TEMPLATE;
  if (template && existsSync(join(template, 'pglite'))) cpSync(join(template, 'pglite'), join(dir, 'pglite'), { recursive: true });
  return dir;
}

export type Backend = 'configured' | 'postgres' | 'pglite';

/** Configuration of a test server on a free port. `configured` follows the environment. */
export function testConfig(backend: Backend = 'configured', overrides: Record<string, string> = {}): Config {
  const usePostgres = backend === 'postgres' || (backend === 'configured' && !!process.env.DATABASE_URL);
  const useRedis = backend === 'postgres' || (backend === 'configured' && !!process.env.REDIS_URL);
  return loadConfig({
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: usePostgres ? REAL_DATABASE_URL : undefined,
    DATABASE_SCHEMA: usePostgres ? uniqueName('t') : 'public',
    REDIS_URL: useRedis ? REAL_REDIS_URL : undefined,
    REDIS_PREFIX: uniqueName('beacon-test'),
    DATA_DIR: freshDataDir(),
    AUTH_SECRET: 'test-secret-test-secret-test-secret-0123',
    WORKER_POLL_MS: '50',
    AVL_FLUSH_MS: '20',
    // One mediasoup worker per test server is plenty (the suite runs servers in parallel).
    MEDIA_WORKERS: '1',
    // The SIP edge (a Kamailio per server) only where a test asks for it, then on free ports.
    SIP_ENABLED: 'false',
    SIP_PORT: '0',
    SIP_WS_PORT: '0',
    SIP_WORKERS: '1',
    ...overrides,
  });
}

/** Drops what a test server left in the shared PostgreSQL and Redis: its schema and its keys. */
export async function dropTestState(config: Config): Promise<void> {
  if (config.DATABASE_URL && config.DATABASE_SCHEMA !== 'public') {
    const sql = postgres(config.DATABASE_URL, { max: 1, onnotice: () => {} });
    await sql.unsafe(`DROP SCHEMA IF EXISTS "${config.DATABASE_SCHEMA}" CASCADE`);
    await sql.end();
  }
  if (config.REDIS_URL) {
    const redis = createClient({ url: config.REDIS_URL });
    await redis.connect();
    const keys = await redis.keys(`${config.REDIS_PREFIX}:*`);
    if (keys.length) await redis.del(keys);
    await redis.quit();
  }
}
