/**
 * The one transaction of a command, as ONE SQL statement: data-modifying CTEs store the command
 * id, snapshots (version-checked), events, timers, outbox rows and feed sequence numbers, and
 * the statement commits on its own. One round trip; the feed counter rows are locked only
 * for the statement's commit, so each feed's sequence numbers commit in order.
 * (Measured: the earlier BEGIN / pipelined writes / COMMIT shape spent most of its time with
 * PostgreSQL waiting for the next statement while holding the agency's feed row.)
 */
import type { AnyMachineSnapshot } from 'xstate';
import type { Actor, CommandResult } from '../protocol';
import type { Sql } from '../store/db';
import type { AggregateScope, AggregateType } from './aggregate-kind';
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
  writes: (PendingWrite & { persisted: unknown; scope: AggregateScope })[];
  events: PendingEvent[];
  timers: PendingTimerOp[];
  effects: Effect[];
  consumeTimer?: PendingTimerOp & { op: 'consume' };
  /** Aggregates the command only read, at the version it read: the commit aborts if one moved on. */
  reads?: { type: AggregateType; id: string; version: number }[];
}

/** An outbox row a commit wrote. */
export interface CommittedEffect {
  id: number;
  commandId: string;
  action: string;
  params: Record<string, unknown>;
}

export type Committed = { events: (PendingEvent & { id: number; seqs: { feed: string; seq: number }[] })[]; outbox: CommittedEffect[] };

const UNIQUE_VIOLATION = '23505';
/** serialization_failure and deadlock_detected retry; `beacon_abort` raises the former. */
const RETRYABLE = new Set(['40001', '40P01']);

/** Commits, or returns 'duplicate' when the command id was already applied, or throws VersionConflict. */
export async function commitCommand(sql: Sql, input: CommitInput): Promise<Committed | 'duplicate'> {
  const body = statementInput(input);
  let row: {
    events: [number, string, string, number][] | null; entries: [string, number, number][] | null;
    outbox: [number, string, Record<string, unknown>][] | null;
  };
  try {
    [row] = (await sql`
      WITH j AS (SELECT ${sql.json(body as never)}::jsonb AS j),
      cmd AS (
        INSERT INTO commands (id, type, actor_id, result, created_at)
        SELECT j->>'commandId', j->>'commandType', j->>'actorId', j->'result', (j->>'at')::timestamptz FROM j
        RETURNING id),
      ins AS (
        INSERT INTO aggregates (type, id, version, state, snapshot, last_hash, agency_id, district_id, parties, recording, refs, updated_at)
        SELECT x.type, x.id, x.version, x.state, x.snapshot, x.last_hash, x.agency_id, x.district_id, x.parties, x.recording, x.refs, (j->>'at')::timestamptz
        FROM j, jsonb_to_recordset(j->'inserts') AS x(type text, id text, version int, state text, snapshot jsonb,
          last_hash text, agency_id text, district_id text, parties text[], recording boolean, refs text[])
        RETURNING 1),
      upd AS (
        UPDATE aggregates a SET version = x.version, state = x.state, snapshot = x.snapshot, last_hash = x.last_hash,
          agency_id = x.agency_id, district_id = x.district_id, parties = x.parties, recording = x.recording, refs = x.refs,
          updated_at = (j->>'at')::timestamptz
        FROM j, beacon_each(j->'updates') AS u, jsonb_to_record(u) AS x(type text, id text, expected int, version int, state text,
          snapshot jsonb, last_hash text, agency_id text, district_id text, parties text[], recording boolean, refs text[])
        WHERE a.type = x.type AND a.id = x.id AND a.version = x.expected
        RETURNING 1),
      ev AS (
        INSERT INTO events (stream_type, stream_id, stream_version, type, payload, state, view, actor, occurred_at,
          command_id, causation_id, prev_hash, hash)
        SELECT x.stream_type, x.stream_id, x.stream_version, x.type, x.payload, x.state, x.view, x.actor, x.occurred_at,
          x.command_id, x.causation_id, x.prev_hash, x.hash
        FROM j, jsonb_to_recordset(j->'events') AS x(stream_type text, stream_id text, stream_version int, type text,
          payload jsonb, state text, view jsonb, actor jsonb, occurred_at timestamptz, command_id text, causation_id text,
          prev_hash text, hash text)
        RETURNING id, stream_type, stream_id, stream_version),
      tset AS (
        INSERT INTO timers (stream_type, stream_id, send_id, event, due_at, created_at)
        SELECT x.stream_type, x.stream_id, x.send_id, x.event, x.due_at, (j->>'at')::timestamptz
        FROM j, jsonb_to_recordset(j->'timerSets') AS x(stream_type text, stream_id text, send_id text, event jsonb, due_at timestamptz)
        ON CONFLICT (stream_type, stream_id, send_id) DO UPDATE SET event = excluded.event, due_at = excluded.due_at
        RETURNING 1),
      tdel AS (
        DELETE FROM timers t USING j, jsonb_to_recordset(j->'timerDeletes') AS x(stream_type text, stream_id text, send_id text)
        WHERE t.stream_type = x.stream_type AND t.stream_id = x.stream_id AND t.send_id = x.send_id
        RETURNING 1),
      tcon AS (
        DELETE FROM timers t USING j, jsonb_to_recordset(j->'timerConsumes') AS x(stream_type text, stream_id text, send_id text, due_at timestamptz)
        WHERE t.stream_type = x.stream_type AND t.stream_id = x.stream_id AND t.send_id = x.send_id AND t.due_at = x.due_at
        RETURNING 1),
      trearm AS (
        UPDATE timers t SET event = x.event, due_at = x.new_due_at
        FROM j, jsonb_to_recordset(j->'timerRearms') AS x(stream_type text, stream_id text, send_id text, due_at timestamptz,
          event jsonb, new_due_at timestamptz)
        WHERE t.stream_type = x.stream_type AND t.stream_id = x.stream_id AND t.send_id = x.send_id AND t.due_at = x.due_at
        RETURNING 1),
      ob AS (
        INSERT INTO outbox (command_id, stream_type, stream_id, action, params, created_at, available_at)
        SELECT j->>'commandId', x.stream_type, x.stream_id, x.action, x.params, (j->>'at')::timestamptz, (j->>'at')::timestamptz
        FROM j, jsonb_to_recordset(j->'effects') AS x(stream_type text, stream_id text, action text, params jsonb)
        RETURNING id, action, params),
      fd AS (
        INSERT INTO feeds (id, seq)
        SELECT x.id, x.n FROM j, jsonb_to_recordset(j->'feeds') AS x(id text, n bigint) ORDER BY x.id
        ON CONFLICT (id) DO UPDATE SET seq = feeds.seq + excluded.seq
        RETURNING id, seq),
      fe AS (
        INSERT INTO feed_entries (feed, seq, event_id)
        SELECT x.feed, fd.seq - x.from_top, ev.id
        FROM j, jsonb_to_recordset(j->'entries') AS x(feed text, from_top int, stream_type text, stream_id text, stream_version int)
        JOIN fd ON fd.id = x.feed
        JOIN ev ON ev.stream_type = x.stream_type AND ev.stream_id = x.stream_id AND ev.stream_version = x.stream_version
        RETURNING feed, seq, event_id),
      rd AS (
        SELECT count(*) AS n FROM j, beacon_each(j->'reads') AS r, jsonb_to_record(r) AS x(type text, id text, version int)
        JOIN aggregates a ON a.type = x.type AND a.id = x.id AND a.version = x.version)
      SELECT
        CASE WHEN (SELECT count(*) FROM upd) <> jsonb_array_length(j->'updates')
               THEN beacon_abort('40001', 'aggregate changed since it was loaded')
             WHEN (SELECT n FROM rd) <> jsonb_array_length(j->'reads')
               THEN beacon_abort('40001', 'an aggregate read changed since it was loaded')
             WHEN (SELECT count(*) FROM tcon) + (SELECT count(*) FROM trearm) <> (j->>'consumes')::int
               THEN beacon_abort('40001', 'timer already consumed')
        END AS aborted,
        (SELECT json_agg(json_build_array(id, stream_type, stream_id, stream_version)) FROM ev) AS events,
        (SELECT json_agg(json_build_array(feed, seq, event_id)) FROM fe) AS entries,
        (SELECT json_agg(json_build_array(id, action, params)) FROM ob) AS outbox
      FROM j`) as unknown as [typeof row];
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === UNIQUE_VIOLATION && (err as { constraint_name?: string }).constraint_name === 'commands_pkey') return 'duplicate';
    if (code === UNIQUE_VIOLATION || (code && RETRYABLE.has(code))) throw new VersionConflict(String(err));
    throw err;
  }
  const ids = new Map((row.events ?? []).map(([id, t, s, v]) => [`${t}:${s}:${v}`, Number(id)]));
  const events = input.events.map((e) => ({ ...e, id: ids.get(`${e.streamType}:${e.streamId}:${e.version}`)!, seqs: [] as { feed: string; seq: number }[] }));
  const byId = new Map(events.map((e) => [e.id, e]));
  for (const [feed, seq, eventId] of row.entries ?? []) byId.get(Number(eventId))?.seqs.push({ feed, seq: Number(seq) });
  const outbox = (row.outbox ?? []).map(([id, action, params]) => ({ id: Number(id), commandId: input.commandId, action, params }));
  return { events, outbox };
}

/** The statement's one JSON parameter. Timer ops are reduced to one net change per timer. */
function statementInput(input: CommitInput) {
  const row = (w: CommitInput['writes'][number]) => ({
    type: w.type, id: w.id, expected: w.expectedVersion, version: w.version, state: w.state, snapshot: w.persisted,
    last_hash: w.lastHash, agency_id: w.scope.agencyId, district_id: w.scope.districtId, parties: w.scope.parties ?? null,
    recording: w.scope.recording ?? false, refs: w.scope.refs ?? null,
  });
  const events = input.events.map((e) => ({
    stream_type: e.streamType, stream_id: e.streamId, stream_version: e.version, type: e.type, payload: e.payload,
    state: e.state, view: e.view, actor: e.actor, occurred_at: e.occurredAt, command_id: e.commandId,
    causation_id: e.causationId, prev_hash: e.prevHash, hash: e.hash,
  }));
  // Feed sequence numbers: each feed is bumped once by its event count; the k-th of n events
  // takes top - (n - 1 - k).
  const perFeed = new Map<string, PendingEvent[]>();
  for (const e of input.events) for (const f of e.feeds) perFeed.set(f, [...(perFeed.get(f) ?? []), e]);
  const feeds = [...perFeed.entries()].map(([id, list]) => ({ id, n: list.length }));
  const entries = [...perFeed.entries()].flatMap(([feed, list]) => list.map((e, k) => ({
    feed, from_top: list.length - 1 - k, stream_type: e.streamType, stream_id: e.streamId, stream_version: e.version,
  })));
  const net = new Map<string, PendingTimerOp>();
  for (const op of input.timers) net.set(`${op.streamType}\n${op.streamId}\n${op.sendId}`, op);
  const consume = input.consumeTimer;
  const consumeKey = consume && `${consume.streamType}\n${consume.streamId}\n${consume.sendId}`;
  const rearm = consumeKey ? net.get(consumeKey) : undefined;
  if (consumeKey) net.delete(consumeKey);
  const key = (op: PendingTimerOp) => ({ stream_type: op.streamType, stream_id: op.streamId, send_id: op.sendId });
  const body = {
    commandId: input.commandId, commandType: input.commandType, actorId: input.actor.id, at: input.at.toISOString(),
    result: input.result,
    inserts: input.writes.filter((w) => w.isNew).map(row),
    updates: input.writes.filter((w) => !w.isNew).map(row),
    events, feeds, entries,
    timerSets: [...net.values()].flatMap((op) => (op.op === 'set' ? [{ ...key(op), event: op.event, due_at: op.dueAt.toISOString() }] : [])),
    timerDeletes: [...net.values()].flatMap((op) => (op.op === 'cancel' ? [key(op)] : [])),
    timerConsumes: consume && rearm?.op !== 'set' ? [{ ...key(consume), due_at: consume.dueAt.toISOString() }] : [],
    timerRearms: consume && rearm?.op === 'set'
      ? [{ ...key(consume), due_at: consume.dueAt.toISOString(), event: rearm.event, new_due_at: rearm.dueAt.toISOString() }] : [],
    consumes: consume ? 1 : 0,
    reads: input.reads ?? [],
    effects: input.effects.map((e) => ({ stream_type: e.streamType, stream_id: e.streamId, action: e.action, params: e.params })),
  };
  return body;
}
