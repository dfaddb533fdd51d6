/**
 * The audit hash chain: every event's hash covers its content and the previous event's hash
 * in the same stream, so altering, removing or reordering a stored event breaks the chain.
 */
import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every depth: jsonb does not keep key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export interface HashedContent {
  streamType: string;
  streamId: string;
  version: number;
  type: string;
  payload: unknown;
  state: string;
  view: unknown;
  actor: unknown;
  occurredAt: string;
  commandId: string;
  causationId: string | null;
}

export function eventHash(prevHash: string, content: HashedContent): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(content)).digest('hex');
}
