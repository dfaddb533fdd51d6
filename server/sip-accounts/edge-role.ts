/**
 * On PostgreSQL, Kamailio reads the `subscriber` view itself (auth_db + db_postgres) as a
 * dedicated role that may SELECT that view and nothing else. The role's password is derived
 * from the deployment's shared secret, so every node computes the same one and none stores it.
 * Kamailio finds the view through PGOPTIONS (`-c search_path=<schema>`), which libpq applies
 * to every connection it opens: one role serves any number of schemas (tests use one each).
 */
import { createHmac } from 'node:crypto';
import type { Sql } from '../store/db';

/** Advisory lock key: role DDL from nodes (or tests) starting at once would collide. */
const ROLE_LOCK_KEY = 7_311_004;

export interface EdgeDatabaseAccess {
  /** postgres://role:password@host:port/database for Kamailio's db_url. */
  url: string;
  /** Environment for the Kamailio process (PGOPTIONS with the schema). */
  env: Record<string, string>;
}

export function edgeRolePassword(secret: string, role: string): string {
  return createHmac('sha256', secret).update(`sip-edge-role:${role}`).digest('hex').slice(0, 32);
}

/** Kamailio's URL and environment to read `schema.subscriber` as `role`. */
export function edgeDatabaseAccess(databaseUrl: string, schema: string, role: string, secret: string): EdgeDatabaseAccess {
  const server = new URL(databaseUrl);
  const url = new URL(`postgres://${server.host}${server.pathname}`);
  url.username = role;
  url.password = edgeRolePassword(secret, role);
  return { url: url.toString(), env: { PGOPTIONS: `-c search_path=${schema}` } };
}

/**
 * Creates the role if missing, sets its password, and grants it SELECT on the view (and USAGE
 * on its schema) only. Needs CREATEROLE, or a role an operator made beforehand (then only the
 * GRANTs run, which the view's owner may do).
 */
export async function provisionEdgeRole(sql: Sql, schema: string, role: string, secret: string): Promise<void> {
  const password = edgeRolePassword(secret, role);
  const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${ROLE_LOCK_KEY})`;
    const [exists] = await tx`SELECT 1 FROM pg_roles WHERE rolname = ${role}`;
    // Identifiers cannot be bound parameters; both names are validated config (lowercase identifiers).
    if (!exists) await tx.unsafe(`CREATE ROLE ${ident(role)} LOGIN NOINHERIT PASSWORD '${password}'`);
    else await tx.unsafe(`ALTER ROLE ${ident(role)} LOGIN PASSWORD '${password}'`);
    await tx.unsafe(`GRANT USAGE ON SCHEMA ${ident(schema)} TO ${ident(role)}`);
    await tx.unsafe(`GRANT SELECT ON ${ident(schema)}.subscriber TO ${ident(role)}`);
  });
}
