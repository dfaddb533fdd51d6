/**
 * Read side: aggregate views, feed snapshots and the events a resuming client missed. A feed
 * snapshot and its sequence number are read in one REPEATABLE READ transaction, so they agree.
 */
import type { Actor, FeedEvent, Query } from '../protocol';
import { LIMITS } from '../protocol';
import { NotAuthorized, NotFound, ValidationError, assertNever } from '../errors';
import { assertAuditor, canReadIncident, canReadQueue, canReadUnitMap } from '../auth/authorize';
import type { CityModel } from '../city';
import type { CommandPipeline } from '../commands/pipeline';
import type { AggregateType } from '../commands/aggregate-kind';
import type { Sql } from '../store/db';
import { OPEN_STATES } from '../../state-machines/incident';
import type { IncidentView } from '../incidents/kind';
import { DISPATCHABLE_STATUSES } from '../units/kind';
import { verifyAuditChain } from '../audit/verify';
import { recommendUnits, type TravelTimeModel } from '../units/recommend';
import type { GeoIndex } from '../units/geo-index';
import { systemClock, type Clock } from '../clock';
import { agencyAgents, callBoard, openCalls, type CallBoard } from '../calls/queue';

type Row = { id: string; version: number; snapshot: unknown };

export class ReadModel {
  constructor(
    private readonly sql: Sql,
    private readonly pipeline: CommandPipeline,
    private readonly city: CityModel,
    private readonly geo: GeoIndex,
    private readonly travel: TravelTimeModel,
    private readonly clock: Clock = systemClock,
  ) {}

  private views(type: AggregateType, rows: Row[]): Record<string, unknown>[] {
    const kind = this.pipeline.kind(type);
    return rows.map((r) => kind.view(r.id, this.pipeline.restore(type, r.snapshot), r.version));
  }

  async incident(actor: Actor, id: string): Promise<IncidentView> {
    const loaded = await this.pipeline.load('incident', id);
    const view = loaded?.view as IncidentView | undefined;
    if (!view) throw new NotFound(`incident ${id} does not exist`);
    if (!canReadIncident(actor, view)) throw new NotAuthorized(`incident ${id} is outside the scope of ${actor.username}`);
    return view;
  }

  async unit(actor: Actor, id: string): Promise<Record<string, unknown>> {
    const loaded = await this.pipeline.load('unit', id);
    if (!loaded) throw new NotFound(`unit ${id} does not exist`);
    if (!canReadUnitMap(actor, String(loaded.view.homeDistrictId))) throw new NotAuthorized(`unit ${id} is outside the scope of ${actor.username}`);
    return { ...loaded.view, position: await this.geo.position(id) };
  }

  async openIncidents(actor: Actor, agencyId?: string): Promise<IncidentView[]> {
    const rows = agencyId
      ? await this.sql<Row[]>`SELECT id, version, snapshot FROM aggregates WHERE type = 'incident' AND agency_id = ${agencyId} AND state IN ${this.sql(OPEN_STATES as string[])}`
      : await this.sql<Row[]>`SELECT id, version, snapshot FROM aggregates WHERE type = 'incident' AND state IN ${this.sql(OPEN_STATES as string[])}`;
    return (this.views('incident', rows) as unknown as IncidentView[]).filter((v) => canReadIncident(actor, v));
  }

  async units(actor: Actor, districtId?: string): Promise<Record<string, unknown>[]> {
    const rows = districtId
      ? await this.sql<Row[]>`SELECT id, version, snapshot FROM aggregates WHERE type = 'unit' AND district_id = ${districtId} ORDER BY id`
      : await this.sql<Row[]>`SELECT id, version, snapshot FROM aggregates WHERE type = 'unit' ORDER BY id`;
    const views = this.views('unit', rows).filter((v) => canReadUnitMap(actor, String(v.homeDistrictId)));
    return Promise.all(views.map(async (v) => ({ ...v, position: await this.geo.position(String(v.id)) })));
  }

  /** The ACD board of an agency (default: the actor's). */
  async callBoard(actor: Actor, agencyId = actor.agencyId ?? ''): Promise<CallBoard> {
    this.assertCallsReadable(actor, agencyId);
    const [calls, agents] = await Promise.all([openCalls(this.sql, this.pipeline, agencyId), agencyAgents(this.sql, this.pipeline, agencyId)]);
    return callBoard(this.city, agencyId, calls, agents, this.clock.now());
  }

  private assertCallsReadable(actor: Actor, agencyId: string): void {
    if (!this.city.agencies.has(agencyId)) throw new NotFound(`agency ${agencyId || '(none)'} does not exist`);
    if (!canReadQueue(actor, agencyId)) throw new NotAuthorized(`${actor.username} may not read the calls of agency ${agencyId}`);
  }

  /** Throws unless the actor may subscribe to the feed. */
  async authorizeFeed(actor: Actor, feed: string): Promise<void> {
    const [kind, key] = splitFeed(feed);
    if (kind === 'incident') await this.incident(actor, key);
    else if (kind === 'calls') this.assertCallsReadable(actor, key);
    else if (kind === 'queue') {
      if (!this.city.agencies.has(key)) throw new NotFound(`agency ${key} does not exist`);
      if (!canReadQueue(actor, key)) throw new NotAuthorized(`${actor.username} may not read the queue of agency ${key}`);
    } else if (!this.city.seed.districts.some((d) => d.id === key)) throw new NotFound(`district ${key} does not exist`);
    else if (!canReadUnitMap(actor, key)) throw new NotAuthorized(`${actor.username} may not read the unit map of ${key}`);
  }

  /** May this subscriber see this event of the feed? (Scope can change while subscribed.) */
  visible(actor: Actor, feed: string, event: FeedEvent): boolean {
    const [kind] = splitFeed(feed);
    if (kind === 'units') return true;
    if (kind === 'calls') return canReadQueue(actor, String(event.view.agencyId));
    return canReadIncident(actor, event.view as unknown as IncidentView);
  }

  async snapshot(actor: Actor, feed: string): Promise<{ seq: number; items: Record<string, unknown>[] }> {
    const [kind, key] = splitFeed(feed);
    const read = async (sql: Sql) => {
      const seqRows = await sql<{ seq: number }[]>`SELECT seq::int AS seq FROM feeds WHERE id = ${feed}`;
      const seq = seqRows[0]?.seq ?? 0;
      if (kind === 'incident') {
        const rows = await sql<Row[]>`SELECT id, version, snapshot FROM aggregates WHERE type = 'incident' AND id = ${key}`;
        return { seq, items: this.views('incident', rows) };
      }
      if (kind === 'calls') {
        // Calls in answer order, then the agents: each item's `kind` says which it is.
        const [calls, agents] = [await openCalls(sql, this.pipeline, key), await agencyAgents(sql, this.pipeline, key)];
        return { seq, items: [...calls, ...agents] as unknown as Record<string, unknown>[] };
      }
      if (kind === 'queue') {
        const rows = await sql<Row[]>`SELECT id, version, snapshot FROM aggregates
          WHERE type = 'incident' AND agency_id = ${key} AND state IN ${sql(OPEN_STATES as string[])}`;
        return { seq, items: this.views('incident', rows).filter((v) => canReadIncident(actor, v as unknown as IncidentView)) };
      }
      const rows = await sql<Row[]>`SELECT id, version, snapshot FROM aggregates WHERE type = 'unit' AND district_id = ${key} ORDER BY id`;
      const views = this.views('unit', rows);
      return { seq, items: await Promise.all(views.map(async (v) => ({ ...v, position: await this.geo.position(String(v.id)) }))) };
    };
    return (await this.sql.begin('ISOLATION LEVEL REPEATABLE READ', (tx) => read(tx as unknown as Sql))) as { seq: number; items: Record<string, unknown>[] };
  }

  /** Events of the feed after `afterSeq`, or null when more than `limit` were missed. */
  async missed(feed: string, afterSeq: number, limit = LIMITS.maxResumeEvents): Promise<{ seq: number; event: FeedEvent }[] | null> {
    const rows = await this.sql<(Record<string, unknown> & { seq: number })[]>`
      SELECT f.seq::int AS seq, e.id::int AS id, e.stream_type, e.stream_id, e.stream_version, e.type, e.payload, e.state,
             e.view, e.actor, e.occurred_at, e.command_id
      FROM feed_entries f JOIN events e ON e.id = f.event_id
      WHERE f.feed = ${feed} AND f.seq > ${afterSeq} ORDER BY f.seq LIMIT ${limit + 1}`;
    if (rows.length > limit) return null;
    return rows.map((r) => ({ seq: r.seq, event: rowToFeedEvent(r) }));
  }

  async run(actor: Actor, query: Query): Promise<unknown> {
    switch (query.type) {
      case 'incident.get':
        return this.incident(actor, query.incidentId);
      case 'unit.get':
        return this.unit(actor, query.unitId);
      case 'calls.board':
        return this.callBoard(actor, query.agencyId);
      case 'units.recommend':
        return this.recommend(actor, query.incidentId, query.limit ?? 3);
      case 'audit.verify':
        assertAuditor(actor);
        return verifyAuditChain(this.sql);
      default:
        return assertNever(query);
    }
  }

  /**
   * The geo index learns of dispatches from the bus, a moment after commit; the units it offers
   * are checked against their stored status so a just-dispatched unit is never recommended.
   */
  async recommend(actor: Actor, incidentId: string, limit: number) {
    const incident = await this.incident(actor, incidentId);
    const plan = this.city.plan(incident.incidentType, incident.priority);
    if (!plan) throw new ValidationError(`incident type ${incident.incidentType} has no response plan`);
    const exclude = new Set(Object.keys(incident.units));
    const requirements = withResourceRequests(plan.requirements, incident.resourceRequests ?? []);
    for (let round = 0; ; round++) {
      const rec = await recommendUnits(this.city, this.geo, this.travel, {
        incidentId, location: incident.location, agencyId: incident.agencyId, requirements, exclude, limit,
      });
      const offered = [...new Set(rec.requirements.flatMap((r) => r.units.map((u) => u.unitId)))];
      if (offered.length === 0 || round === 3) return rec;
      const busy = await this.sql<{ id: string }[]>`SELECT id FROM aggregates
        WHERE type = 'unit' AND id IN ${this.sql(offered)} AND state NOT IN ${this.sql(DISPATCHABLE_STATUSES as string[])}`;
      if (busy.length === 0) return rec;
      busy.forEach((b) => exclude.add(b.id));
    }
  }
}

/** The response plan plus what the scene asked for since (counts per capability add up). */
export function withResourceRequests(
  plan: { capability: string; count: number }[], requests: { requests: { capability: string; count: number }[] }[],
): { capability: string; count: number }[] {
  const total = new Map(plan.map((r) => [r.capability, r.count]));
  for (const r of requests.flatMap((x) => x.requests)) total.set(r.capability, (total.get(r.capability) ?? 0) + r.count);
  return [...total].map(([capability, count]) => ({ capability, count }));
}

export function splitFeed(feed: string): ['incident' | 'queue' | 'units' | 'calls', string] {
  const i = feed.indexOf(':');
  return [feed.slice(0, i) as 'incident' | 'queue' | 'units' | 'calls', feed.slice(i + 1)];
}

export function rowToFeedEvent(r: Record<string, unknown>): FeedEvent {
  return {
    id: Number(r.id), streamType: String(r.stream_type), streamId: String(r.stream_id), version: Number(r.stream_version),
    type: String(r.type), payload: r.payload as Record<string, unknown>, state: String(r.state),
    view: r.view as Record<string, unknown>, actor: r.actor as FeedEvent['actor'],
    at: (r.occurred_at as Date).toISOString(), commandId: String(r.command_id),
  };
}
