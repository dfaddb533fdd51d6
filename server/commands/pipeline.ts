/**
 * The command pipeline (ARCHITECTURE.md, "the heart"): a planner validates and authorizes a
 * command against the aggregates it loads and returns machine events; the pipeline computes
 * each next snapshot with XState's pure `transition()`, then in ONE transaction stores the
 * command, the events (hash-chained), the snapshots (optimistic version check), outbox rows,
 * timers and feed sequence numbers. Only after COMMIT is the command acknowledged and its
 * events published on the bus. A version conflict re-runs the whole command.
 */
import { createActor, type AnyMachineSnapshot } from 'xstate';
import { MachineTransitions } from './transitions';
import type { Bus } from '../bus/bus';
import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { Actor, CommandResult, FeedEvent } from '../protocol';
import { Conflict, NotFound, RejectedByStateMachine } from '../errors';
import type { Sql } from '../store/db';
import { GENESIS_HASH, eventHash } from '../audit/hash';
import { type AggregateKind, type AggregateType, stateName } from './aggregate-kind';
import { commitCommand, type CommittedEffect, type PendingEvent, type PendingTimerOp, type PendingWrite } from './commit';

/** An aggregate as loaded for a command. */
export interface Loaded {
  type: AggregateType;
  id: string;
  version: number;
  snapshot: AnyMachineSnapshot;
  lastHash: string;
  view: Record<string, unknown>;
  state: string;
}

export type MachineEvent = { type: string } & Record<string, unknown>;

export type Step =
  | { type: AggregateType; id: string; create: Record<string, unknown> }
  | { type: AggregateType; id: string; event: MachineEvent };

export interface Effect {
  action: string;
  params: Record<string, unknown>;
  streamType: AggregateType;
  streamId: string;
}

export interface Plan {
  steps: Step[];
  effects?: Effect[];
  createdId?: string;
  /** For timer deliveries: a refused event is not an error, the timer is just consumed. */
  ignoreRefusals?: boolean;
  /** For timer deliveries: the timer row consumed in the same transaction. */
  consumeTimer?: PendingTimerOp & { op: 'consume' };
}

/** What a planner gets: loading (cached per attempt) and the time of this attempt. */
export interface PlanContext {
  actor: Actor;
  at: Date;
  load(type: AggregateType, id: string): Promise<Loaded>;
  tryLoad(type: AggregateType, id: string): Promise<Loaded | null>;
}

export type Planner = (ctx: PlanContext) => Promise<Plan>;

export class VersionConflict extends Error {}

/** An attempt failed on aggregates remembered rather than read: `cause` is what it failed with. */
class StaleRead extends Error {
  constructor(override readonly cause: unknown) {
    super('planned on remembered aggregates');
  }
}

const MAX_ATTEMPTS = 8;
/** How many aggregates the pipeline keeps restored (a few thousand open calls, units and incidents). */
const RECENT_AGGREGATES = 5_000;

export interface PipelineMetrics {
  observeCommand(type: string, outcome: string, seconds: number): void;
  countRetry(): void;
}

export class CommandPipeline {
  private readonly kinds: Map<AggregateType, AggregateKind>;
  private readonly transitions: Map<AggregateType, MachineTransitions>;

  constructor(
    private readonly sql: Sql,
    private readonly bus: Bus,
    private readonly clock: Clock,
    kinds: AggregateKind[],
    private readonly log: Logger,
    private readonly nodeId: string,
    private readonly metrics: PipelineMetrics,
  ) {
    this.kinds = new Map(kinds.map((k) => [k.type, k]));
    this.transitions = new Map(kinds.map((k) => [k.type, new MachineTransitions(k.machine)]));
  }

  kind(type: AggregateType): AggregateKind {
    const kind = this.kinds.get(type);
    if (!kind) throw new Error(`no aggregate kind ${type}`);
    return kind;
  }

  /** Restores a stored snapshot into a live (never started) machine snapshot. */
  restore(type: AggregateType, persisted: unknown): AnyMachineSnapshot {
    return createActor(this.kind(type).machine, { snapshot: persisted as never, input: undefined }).getSnapshot() as AnyMachineSnapshot;
  }

  /**
   * Aggregates as this node last loaded or wrote them, most recent last. A load still reads the
   * stored version (another node may have moved it on), but when that is the version here, the
   * stored snapshot is neither sent nor restored again (restoring was a good part of a command's
   * CPU). Entries are treated as immutable, like every snapshot and view.
   */
  private readonly recent = new Map<string, Loaded>();

  async load(type: AggregateType, id: string): Promise<Loaded | null> {
    const key = `${type}:${id}`;
    const known = this.recent.get(key);
    const rows = await this.sql<{ version: number; snapshot: unknown; last_hash: string; state: string }[]>`
      SELECT version, CASE WHEN version = ${known?.version ?? -1} AND last_hash = ${known?.lastHash ?? ''} THEN NULL ELSE snapshot END AS snapshot,
        last_hash, state
      FROM aggregates WHERE type = ${type} AND id = ${id}`;
    const row = rows[0];
    if (!row) return null;
    // Not sent: it is the version and hash remembered here.
    if (known && row.snapshot === null) return this.remember(known);
    const snapshot = this.restore(type, row.snapshot);
    return this.remember({
      type, id, version: row.version, snapshot, lastHash: row.last_hash, state: row.state,
      view: this.kind(type).view(id, snapshot, row.version),
    });
  }

  private remember(loaded: Loaded): Loaded {
    const key = `${loaded.type}:${loaded.id}`;
    // Two commits on one aggregate may come back in either order: keep the later version.
    if ((this.recent.get(key)?.version ?? 0) > loaded.version) return loaded;
    this.recent.delete(key);
    this.recent.set(key, loaded);
    if (this.recent.size > RECENT_AGGREGATES) this.recent.delete(this.recent.keys().next().value!);
    return loaded;
  }

  /**
   * Told after a command with outbox effects committed, with its outbox rows, so this node runs
   * them now instead of at its outbox worker's next poll (a call's 200 OK waited for it).
   */
  effectsCommitted: ((effects: CommittedEffect[]) => void) | null = null;

  /**
   * Runs one command to an acknowledgement (durable) or a thrown, client-safe error. A command
   * id seen before answers with the stored result: found by the unique key on commit, or, when
   * the re-run is refused (the first run already changed the state), looked up then.
   */
  async execute(actor: Actor, commandId: string, commandType: string, planner: Planner): Promise<CommandResult> {
    const started = performance.now();
    let outcome = 'error';
    try {
      let fresh = false;
      for (let attempt = 1; ; attempt++) {
        try {
          const result = await this.attempt(actor, commandId, commandType, planner, fresh);
          outcome = result.duplicate ? 'duplicate' : 'applied';
          return result;
        } catch (err) {
          // A refusal planned on remembered aggregates is planned again on the store's.
          if (err instanceof StaleRead && !fresh) {
            fresh = true;
            continue;
          }
          if (err instanceof StaleRead) throw err.cause;
          if (err instanceof VersionConflict && attempt < MAX_ATTEMPTS) {
            this.metrics.countRetry();
            continue;
          }
          const stored = await this.storedResult(commandId, actor);
          if (stored) {
            outcome = 'duplicate';
            return stored;
          }
          throw err;
        }
      }
    } catch (err) {
      if (err instanceof RejectedByStateMachine) outcome = 'rejected';
      throw err;
    } finally {
      this.metrics.observeCommand(commandType, outcome, (performance.now() - started) / 1000);
    }
  }

  private async storedResult(commandId: string, actor: Actor): Promise<CommandResult | null> {
    const rows = await this.sql<{ result: CommandResult; actor_id: string }[]>`SELECT result, actor_id FROM commands WHERE id = ${commandId}`;
    const row = rows[0];
    if (!row) return null;
    if (row.actor_id !== actor.id) throw new Conflict(`command id ${commandId} was used by another actor; choose a new one`);
    return { ...row.result, duplicate: true };
  }

  /**
   * One try of a command. Aggregates this node loaded or wrote lately are taken from `recent`
   * without reading the store (`fresh` false): a written one is version-checked by the commit's
   * UPDATE anyway, and one only read is checked by the commit too (`reads`), so a stale entry
   * (another node moved it on) ends in a VersionConflict, and a planner's refusal that may come
   * from one is not believed: either way the entries are dropped and the command tried again,
   * reading the store.
   */
  private async attempt(actor: Actor, commandId: string, commandType: string, planner: Planner, fresh: boolean): Promise<CommandResult> {
    const at = this.clock.now();
    const cache = new Map<string, Loaded | null>();
    const unverified = new Set<string>();
    const tryLoad = async (type: AggregateType, id: string) => {
      const key = `${type}:${id}`;
      if (!cache.has(key)) {
        const known = fresh ? undefined : this.recent.get(key);
        if (known) unverified.add(key);
        cache.set(key, known ?? (await this.load(type, id)));
      }
      return cache.get(key) ?? null;
    };
    const load = async (type: AggregateType, id: string) => {
      const found = await tryLoad(type, id);
      if (!found) throw new NotFound(`${type} ${id} does not exist`);
      return found;
    };
    let planned: Awaited<ReturnType<CommandPipeline['planAndCommit']>>;
    try {
      planned = await this.planAndCommit(commandId, commandType, planner, { actor, at, load, tryLoad }, cache, unverified);
    } catch (err) {
      if (unverified.size === 0) throw err;
      for (const key of unverified) this.recent.delete(key);
      throw err instanceof VersionConflict ? err : new StaleRead(err);
    }
    const { committed, writes, result } = planned;
    if (committed === 'duplicate') {
      const stored = await this.storedResult(commandId, actor);
      if (!stored) throw new VersionConflict('command id raced');
      return stored;
    }
    for (const w of writes.aggregates) this.remember({ type: w.type, id: w.id, version: w.version, snapshot: w.snapshot, lastHash: w.lastHash, view: w.view, state: w.state });
    await this.publish(committed);
    if (committed.outbox.length > 0) this.effectsCommitted?.(committed.outbox);
    return result;
  }

  /** Plans, applies the machine events and commits; aggregates in `unverified` that were only read are checked at commit. */
  private async planAndCommit(commandId: string, commandType: string, planner: Planner, ctx: PlanContext, cache: Map<string, Loaded | null>, unverified: Set<string>) {
    const { actor, at } = ctx;
    const plan = await planner(ctx);
    for (const step of plan.steps) if (!('create' in step)) await ctx.tryLoad(step.type, step.id);
    const writes = this.applySteps(plan, cache, at, actor, commandId);
    if (writes.events.length === 0 && !plan.consumeTimer) {
      throw new RejectedByStateMachine(`${commandType} changed nothing`);
    }
    const result: CommandResult = {
      commandId,
      createdId: plan.createdId ?? null,
      events: writes.events.map((e) => ({ streamType: e.streamType, streamId: e.streamId, version: e.version, type: e.type })),
      duplicate: false,
    };
    const written = new Set(writes.aggregates.map((w) => `${w.type}:${w.id}`));
    const reads = [...unverified].filter((k) => !written.has(k)).map((k) => cache.get(k)!).map((l) => ({ type: l.type, id: l.id, version: l.version }));
    const committed = await commitCommand(this.sql, {
      commandId, commandType, actor, at, result, writes: writes.aggregates, events: writes.events,
      timers: writes.timers, effects: plan.effects ?? [], consumeTimer: plan.consumeTimer, reads,
    });
    return { committed, writes, result };
  }

  /** Pure part: machine transitions, hash chain, timer and outbox rows. No I/O. */
  private applySteps(plan: Plan, cache: Map<string, Loaded | null>, at: Date, actor: Actor, commandId: string) {
    const working = new Map<string, PendingWrite>();
    const events: PendingEvent[] = [];
    const timers: PendingTimerOp[] = [];
    const iso = at.toISOString();
    for (const step of plan.steps) {
      const key = `${step.type}:${step.id}`;
      const kind = this.kind(step.type);
      const loaded = cache.get(key) ?? null;
      let current = working.get(key) ?? (loaded ? {
        type: step.type, id: step.id, expectedVersion: loaded.version, version: loaded.version,
        snapshot: loaded.snapshot, lastHash: loaded.lastHash, isNew: false, view: loaded.view, state: loaded.state,
      } : undefined);
      let next: AnyMachineSnapshot;
      let actions: { type: string; params?: unknown }[];
      let machineEvent: MachineEvent;
      if ('create' in step) {
        // A clash of a generated id: re-plan (a fresh id); a clash of a given id ends as a refusal.
        if (current) throw loaded ? new RejectedByStateMachine(`${step.type} ${step.id} already exists`) : new VersionConflict(`${step.type} ${step.id} created twice`);
        machineEvent = { type: 'CREATE', ...step.create };
        [next, actions] = this.transitions.get(step.type)!.initialTransition({ ...step.create, at: iso });
        current = { type: step.type, id: step.id, expectedVersion: 0, version: 0, snapshot: next, lastHash: GENESIS_HASH, isNew: true, view: {}, state: '' };
      } else {
        if (!current) throw new NotFound(`${step.type} ${step.id} does not exist`);
        machineEvent = step.event;
        // A final snapshot still takes root-level transitions in pure transition(): refuse them here.
        const done = current.snapshot.status === 'done';
        [next, actions] = done ? [current.snapshot, []] : this.transitions.get(step.type)!.transition(current.snapshot, { ...step.event, at: iso });
        if (next === current.snapshot) {
          if (plan.ignoreRefusals) continue;
          throw new RejectedByStateMachine(
            `${step.type} ${step.id} in state "${stateName(current.snapshot)}" does not accept ${step.event.type}`,
          );
        }
      }
      const version = current.version + 1;
      const view = kind.view(step.id, next, version);
      const { type: _t, ...payload } = machineEvent;
      const content = {
        streamType: step.type, streamId: step.id, version, type: kind.eventName(machineEvent.type), payload,
        state: stateName(next), view, actor, occurredAt: iso, commandId, causationId: plan.consumeTimer ? plan.consumeTimer.sendId : null,
      };
      const hash = eventHash(current.lastHash, content);
      events.push({ ...content, prevHash: current.lastHash, hash, feeds: kind.feeds(view) });
      timers.push(...timerOps(step.type, step.id, actions, at));
      working.set(key, { ...current, version, snapshot: next, lastHash: hash, view, state: stateName(next) });
    }
    const aggregates = [...working.values()].map((w) => ({
      ...w, persisted: this.kind(w.type).machine.getPersistedSnapshot(w.snapshot), scope: this.kind(w.type).scope(w.view),
    }));
    return { aggregates, events, timers };
  }

  private async publish(committed: { events: (PendingEvent & { id: number; seqs: { feed: string; seq: number }[] })[] }) {
    for (const e of committed.events) {
      const event: FeedEvent = {
        id: e.id, streamType: e.streamType, streamId: e.streamId, version: e.version, type: e.type,
        payload: e.payload as Record<string, unknown>, state: e.state, view: e.view, actor: e.actor as Actor,
        at: e.occurredAt, commandId: e.commandId,
      };
      this.bus.publish('events', { type: 'event.committed', node: this.nodeId, event, feeds: e.seqs }).catch((err) =>
        this.log.warn({ err, eventId: e.id }, 'bus publish failed; subscribers will catch up from the store'),
      );
    }
  }
}

/** Delayed raises become timer rows; cancels delete them. Other actions run on the outbox. */
function timerOps(type: AggregateType, id: string, actions: { type: string; params?: unknown }[], at: Date): PendingTimerOp[] {
  const ops: PendingTimerOp[] = [];
  for (const action of actions) {
    const params = (action.params ?? {}) as { delay?: number; id?: string; event?: MachineEvent; sendId?: string };
    if (action.type === 'xstate.raise' && typeof params.delay === 'number' && params.event) {
      const sendId = params.id ?? params.event.type;
      ops.push({ op: 'set', streamType: type, streamId: id, sendId, event: params.event, dueAt: new Date(at.getTime() + params.delay) });
    } else if (action.type === 'xstate.cancel' && params.sendId) {
      ops.push({ op: 'cancel', streamType: type, streamId: id, sendId: params.sendId });
    }
  }
  return ops;
}
