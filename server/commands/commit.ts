/**
 * The one transaction of a command. Statements are pipelined on one connection; the feed
 * counters are bumped last so their row locks are held only until COMMIT, which keeps each
 * feed's sequence numbers committing in order.
 */
import type { AnyMachineSnapshot } from 'xstate';
import type { Actor, CommandResult } from '../protocol';
import type { Sql, TxSql } from '../store/db';
import type { AggregateType } from './aggregate-kind';
import { VersionConflict, type Effect } from './pipeline';

export interface PendingWrite {
  type: AggregateType;
  id: string;
  expectedVersion: number;
  version: number;
  snapshot: AnyMachineSnapshot;
  lastHash: string;
  isNew: boolean;
  view: Record<string, unknown>;
  state: string;
}

export interface PendingEvent {
  streamType: AggregateType;
  streamId: string;
  version: number;
  type: string;
  payload: unknown;
  state: string;
  view: Record<string, unknown>;
  actor: unknown;
  occurredAt: string;
  commandId: string;
  causationId: string | null;
  prevHash: string;
  hash: string;
  feeds: string[];
}

export type PendingTimerOp =
  | { op: 'set'; streamType: AggregateType; streamId: string; sendId: string; event: unknown; dueAt: Date }
  | { op: 'cancel'; streamType: AggregateType; streamId: string; sendId: string }
  | { op: 'consume'; streamType: AggregateType; streamId: string; sendId: string; dueAt: Date };

export interface CommitInput {
  commandId: string;
  commandType: string;
  actor: Actor;
  at: Date;
  result: CommandResult;
  writes: (PendingWrite & { persisted: unknown; scope: { agencyId: string | null; districtId: string | null } })[];
  events: PendingEvent[];
  timers: PendingTimerOp[];
  effects: Effect[];
  consumeTimer?: PendingTimerOp & { op: 'consume' };
}

export type Committed = { events: (PendingEvent & { id: number; seqs: { feed: string; seq: number }[] })[] };

const UNIQUE_VIOLATION = '23505';
const RETRYABLE = new Set(['40001', '40P01']);

/** Commits, or returns 'duplicate' when the command id was already applied, or throws VersionConflict. */
export async function commitCommand(sql: Sql, input: CommitInput): Promise<Committed | 'duplicate'> {
  try {
    return (await sql.begin((tx) => writeAll(tx, input))) as Committed;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === UNIQUE_VIOLATION && (err as { constraint_name?: string }).constraint_name === 'commands_pkey') return 'duplicate';
    if (code === UNIQUE_VIOLATION || (code && RETRYABLE.has(code))) throw new VersionConflict(String(err));
    throw err;
  }
}

async function writeAll(tx: TxSql, input: CommitInput): Promise<Committed> {
  const at = input.at.toISOString();
  const json = (v: unknown) => tx.json(v as never);
  const updates = input.writes.filter((w) => !w.isNew);
  const inserts = input.writes.filter((w) => w.isNew);
  const row = (w: CommitInput['writes'][number]) => ({
    type: w.type, id: w.id, expected: w.expectedVersion, version: w.version, state: w.state, snapshot: w.persisted,
    last_hash: w.lastHash, agency_id: w.scope.agencyId, district_id: w.scope.districtId,
  });
  const pending: Promise<unknown>[] = [];
  pending.push(tx`INSERT INTO commands (id, type, actor_id, result, created_at)
    VALUES (${input.commandId}, ${input.commandType}, ${input.actor.id}, ${json(input.result)}, ${at})`);
  if (input.consumeTimer) {
    const t = input.consumeTimer;
    pending.push(tx`DELETE FROM timers WHERE stream_type = ${t.streamType} AND stream_id = ${t.streamId}
      AND send_id = ${t.sendId} AND due_at = ${t.dueAt.toISOString()} RETURNING send_id`.then((r) => {
      if (r.length !== 1) throw new VersionConflict('timer already consumed');
    }));
  }
  if (inserts.length > 0) {
    pending.push(tx`INSERT INTO aggregates (type, id, version, state, snapshot, last_hash, agency_id, district_id, updated_at)
      SELECT type, id, version, state, snapshot, last_hash, agency_id, district_id, ${at}
      FROM jsonb_to_recordset(${json(inserts.map(row))}) AS x(type text, id text, version int, state text, snapshot jsonb,
        last_hash text, agency_id text, district_id text)`);
  }
  if (updates.length > 0) {
    pending.push(tx`UPDATE aggregates a SET version = x.version, state = x.state, snapshot = x.snapshot,
        last_hash = x.last_hash, agency_id = x.agency_id, district_id = x.district_id, updated_at = ${at}
      FROM jsonb_to_recordset(${json(updates.map(row))}) AS x(type text, id text, expected int, version int, state text,
        snapshot jsonb, last_hash text, agency_id text, district_id text)
      WHERE a.type = x.type AND a.id = x.id AND a.version = x.expected RETURNING a.id`.then((r) => {
      if (r.length !== updates.length) throw new VersionConflict('aggregate changed since it was loaded');
    }));
  }
  const eventRows = input.events.map((e) => ({
    stream_type: e.streamType, stream_id: e.streamId, stream_version: e.version, type: e.type, payload: e.payload,
    state: e.state, view: e.view, actor: e.actor, occurred_at: e.occurredAt, command_id: e.commandId,
    causation_id: e.causationId, prev_hash: e.prevHash, hash: e.hash,
  }));
  type Inserted = { id: string; stream_type: string; stream_id: string; stream_version: number };
  const inserted = eventRows.length === 0 ? Promise.resolve([] as Inserted[]) : tx<Inserted[]>`
    INSERT INTO events (stream_type, stream_id, stream_version, type, payload, state, view, actor, occurred_at,
      command_id, causation_id, prev_hash, hash)
    SELECT stream_type, stream_id, stream_version, type, payload, state, view, actor, occurred_at, command_id,
      causation_id, prev_hash, hash
    FROM jsonb_to_recordset(${json(eventRows)}) AS x(stream_type text, stream_id text, stream_version int,
      type text, payload jsonb, state text, view jsonb, actor jsonb, occurred_at timestamptz, command_id text,
      causation_id text, prev_hash text, hash text)
    RETURNING id, stream_type, stream_id, stream_version`;
  pending.push(inserted);
  for (const op of input.timers) {
    if (op.op === 'set') {
      pending.push(tx`INSERT INTO timers (stream_type, stream_id, send_id, event, due_at, created_at)
        VALUES (${op.streamType}, ${op.streamId}, ${op.sendId}, ${json(op.event)}, ${op.dueAt.toISOString()}, ${at})
        ON CONFLICT (stream_type, stream_id, send_id) DO UPDATE SET event = excluded.event, due_at = excluded.due_at`);
    } else if (op.op === 'cancel') {
      pending.push(tx`DELETE FROM timers WHERE stream_type = ${op.streamType} AND stream_id = ${op.streamId} AND send_id = ${op.sendId}`);
    }
  }
  if (input.effects.length > 0) {
    pending.push(tx`INSERT INTO outbox (command_id, stream_type, stream_id, action, params, created_at, available_at)
      SELECT ${input.commandId}, stream_type, stream_id, action, params, ${at}, ${at}
      FROM jsonb_to_recordset(${json(input.effects.map((e) => ({ stream_type: e.streamType, stream_id: e.streamId, action: e.action, params: e.params })))})
        AS x(stream_type text, stream_id text, action text, params jsonb)`);
  }
  await Promise.all(pending);
  const ids = new Map((await inserted).map((r) => [`${r.stream_type}:${r.stream_id}:${r.stream_version}`, Number(r.id)]));
  const events = input.events.map((e) => ({ ...e, id: ids.get(`${e.streamType}:${e.streamId}:${e.version}`)!, seqs: [] as { feed: string; seq: number }[] }));
  await assignFeedSequences(tx, events);
  return { events };
}

/** Last statement before COMMIT: bump each touched feed once, sorted, and record its entries. */
async function assignFeedSequences(tx: TxSql, events: Committed['events']): Promise<void> {
  const perFeed = new Map<string, Committed['events']>();
  for (const e of events) for (const f of e.feeds) perFeed.set(f, [...(perFeed.get(f) ?? []), e]);
  if (perFeed.size === 0) return;
  const feeds = [...perFeed.keys()].sort();
  const counts = feeds.map((f) => perFeed.get(f)!.length);
  const tops = await tx<{ id: string; seq: string }[]>`
    INSERT INTO feeds (id, seq)
    SELECT id, n FROM jsonb_to_recordset(${tx.json(feeds.map((id, i) => ({ id, n: counts[i] })) as never)}) AS x(id text, n bigint) ORDER BY id
    ON CONFLICT (id) DO UPDATE SET seq = feeds.seq + excluded.seq RETURNING id, seq`;
  const entries: { feed: string; seq: number; event_id: number }[] = [];
  for (const top of tops) {
    const list = perFeed.get(top.id)!;
    const first = Number(top.seq) - list.length + 1;
    list.forEach((e, i) => {
      e.seqs.push({ feed: top.id, seq: first + i });
      entries.push({ feed: top.id, seq: first + i, event_id: e.id });
    });
  }
  await tx`INSERT INTO feed_entries (feed, seq, event_id)
    SELECT feed, seq, event_id FROM jsonb_to_recordset(${tx.json(entries as never)}) AS x(feed text, seq bigint, event_id bigint)`;
}
