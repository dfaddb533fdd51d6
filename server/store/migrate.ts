/** Versioned SQL migrations from ./migrations, applied in order, once, under an advisory lock. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sql } from './db';

const MIGRATIONS_DIR = join(__dirname, 'migrations');
const LOCK_KEY = 7_311_001;

export async function migrate(sql: Sql): Promise<string[]> {
  const files = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort();
  const applied: string[] = [];
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${LOCK_KEY})`;
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`;
    const done = new Set((await tx<{ version: number }[]>`SELECT version FROM schema_migrations`).map((r) => r.version));
    for (const file of files) {
      const version = Number.parseInt(file.slice(0, 3), 10);
      if (done.has(version)) continue;
      await tx.unsafe(readFileSync(join(MIGRATIONS_DIR, file), 'utf8'));
      await tx`INSERT INTO schema_migrations (version, name) VALUES (${version}, ${file})`;
      applied.push(file);
    }
  });
  return applied;
}
