/**
 * Leaves nothing behind: a benchmark server's PostgreSQL schema, Redis keys and PGlite data
 * directory go when its bench ends, as tests/support/app.ts does for test servers.
 */
import { rmSync } from 'node:fs';
import postgres from 'postgres';
import { createClient } from 'redis';
import type { Config } from '../../config/env';

export async function dropSchema(url: string, schema: string): Promise<void> {
  if (schema === 'public') return;
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await sql.end();
  }
}

/** Deletes every key under `<prefix>:`; returns how many. */
export async function deleteRedisKeys(url: string, prefix: string): Promise<number> {
  const redis = createClient({ url });
  redis.on('error', () => {});
  await redis.connect();
  let deleted = 0;
  try {
    const keys: string[] = [];
    for await (const batch of redis.scanIterator({ MATCH: `${prefix}:*`, COUNT: 500 })) keys.push(...batch);
    for (let i = 0; i < keys.length; i += 500) deleted += await redis.del(keys.slice(i, i + 500));
  } finally {
    await redis.close();
  }
  return deleted;
}

/** Removes what a benchmark server configured by `testConfig` created outside its process. */
export async function cleanUpServer(config: Config): Promise<void> {
  if (config.DATABASE_URL) await dropSchema(config.DATABASE_URL, config.DATABASE_SCHEMA);
  if (config.REDIS_URL) await deleteRedisKeys(config.REDIS_URL, config.REDIS_PREFIX);
  if (!config.DATABASE_URL) rmSync(config.DATA_DIR, { recursive: true, force: true });
}
