/**
 * Opens the database: PostgreSQL when DATABASE_URL is set, otherwise embedded PGlite in
 * DATA_DIR. Both are driven by the same postgres.js client, so there is one SQL dialect and
 * one test suite for both.
 */
import postgres from 'postgres';
import { join } from 'node:path';
import { lockDataDir } from './datadir-lock';
import { PGliteWire } from './pglite-wire';

export type Sql = postgres.Sql;
export type TxSql = postgres.TransactionSql;

export interface Database {
  sql: Sql;
  kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url?: string;
  schema?: string;
  dataDir?: string;
  pool?: number;
}

const common = {
  onnotice: () => {},
  transform: { undefined: null },
} as const;

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  const schema = opts.schema ?? 'public';
  if (opts.url) {
    if (schema !== 'public') {
      const admin = postgres(opts.url, { ...common, max: 1 });
      await admin.unsafe(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await admin.end();
    }
    const sql = postgres(opts.url, {
      ...common,
      max: opts.pool ?? 10,
      connection: { search_path: schema, application_name: 'beacon', plan_cache_mode: 'force_generic_plan' },
    }) as Sql;
    return { sql, kind: 'postgres', close: () => sql.end({ timeout: 5 }) };
  }
  const dataDir = join(opts.dataDir ?? './data', 'pglite');
  const release = lockDataDir(opts.dataDir ?? './data');
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create({ dataDir });
    // `socket` is a documented postgres.js option its typings leave out.
    const options = {
      ...common, max: 1, socket: () => new PGliteWire(db), username: 'postgres', database: 'postgres', fetch_types: false,
    };
    const sql = postgres(options as postgres.Options<{}>) as unknown as Sql;
    return {
      sql,
      kind: 'pglite',
      async close() {
        await sql.end({ timeout: 5 });
        await db.close();
        release();
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}
