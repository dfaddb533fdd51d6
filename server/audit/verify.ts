/**
 * Audit verification: walks every stream's events in order and recomputes the hash chain.
 * Reports the first broken link (altered content, a missing or reordered event, or a
 * snapshot whose head does not match its last event).
 */
import type { Sql } from '../store/db';
import { GENESIS_HASH, eventHash } from './hash';

export interface AuditReport {
  ok: boolean;
  eventsChecked: number;
  streamsChecked: number;
  firstBroken: { eventId: number | null; streamType: string; streamId: string; version: number; reason: string } | null;
}

const PAGE = 2000;

export async function verifyAuditChain(sql: Sql): Promise<AuditReport> {
  let eventsChecked = 0;
  let streamsChecked = 0;
  let cursor = { type: '', id: '', version: 0 };
  let prev = { type: '', id: '', version: 0, hash: GENESIS_HASH };
  const heads = new Map<string, { version: number; hash: string }>();
  for (const h of await sql<{ type: string; id: string; version: number; last_hash: string }[]>`SELECT type, id, version, last_hash FROM aggregates`) {
    heads.set(`${h.type}:${h.id}`, { version: h.version, hash: h.last_hash });
  }
  const broken = (eventId: number | null, streamType: string, streamId: string, version: number, reason: string): AuditReport =>
    ({ ok: false, eventsChecked, streamsChecked, firstBroken: { eventId, streamType, streamId, version, reason } });
  const closeStream = (): AuditReport | null => {
    if (!prev.type) return null;
    const head = heads.get(`${prev.type}:${prev.id}`);
    heads.delete(`${prev.type}:${prev.id}`);
    if (!head) return broken(null, prev.type, prev.id, prev.version, 'events exist for an aggregate that has no snapshot');
    if (head.version !== prev.version || head.hash !== prev.hash) {
      return broken(null, prev.type, prev.id, head.version, `snapshot is at version ${head.version} but the event chain ends at ${prev.version}`);
    }
    return null;
  };
  for (;;) {
    const rows = await sql<Record<string, unknown>[]>`
      SELECT id::int AS id, stream_type, stream_id, stream_version, type, payload, state, view, actor, occurred_at,
             command_id, causation_id, prev_hash, hash
      FROM events WHERE (stream_type, stream_id, stream_version) > (${cursor.type}, ${cursor.id}, ${cursor.version})
      ORDER BY stream_type, stream_id, stream_version LIMIT ${PAGE}`;
    for (const r of rows) {
      const type = String(r.stream_type), id = String(r.stream_id), version = Number(r.stream_version);
      if (type !== prev.type || id !== prev.id) {
        const bad = closeStream();
        if (bad) return bad;
        prev = { type, id, version: 0, hash: GENESIS_HASH };
        streamsChecked++;
      }
      if (version !== prev.version + 1) return broken(Number(r.id), type, id, version, `expected version ${prev.version + 1}; an event is missing`);
      if (r.prev_hash !== prev.hash) return broken(Number(r.id), type, id, version, 'prev_hash does not match the previous event');
      const recomputed = eventHash(prev.hash, {
        streamType: type, streamId: id, version, type: String(r.type), payload: r.payload, state: String(r.state), view: r.view,
        actor: r.actor, occurredAt: (r.occurred_at as Date).toISOString(), commandId: String(r.command_id),
        causationId: (r.causation_id as string | null) ?? null,
      });
      if (recomputed !== r.hash) return broken(Number(r.id), type, id, version, 'content does not match its hash (altered)');
      prev = { type, id, version, hash: String(r.hash) };
      eventsChecked++;
    }
    if (rows.length < PAGE) break;
    cursor = { type: prev.type, id: prev.id, version: prev.version };
  }
  const bad = closeStream();
  if (bad) return bad;
  const [orphan] = heads.entries();
  if (orphan) {
    const [key, head] = orphan;
    const [type, ...rest] = key.split(':');
    return broken(null, type!, rest.join(':'), head.version, 'snapshot has no events (its history was removed)');
  }
  return { ok: true, eventsChecked, streamsChecked, firstBroken: null };
}
