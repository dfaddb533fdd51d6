/**
 * Client-side read models fed by live feeds: incidents (from agency queues and incident feeds)
 * and units (from district unit maps, with their latest positions). Views replace whole on
 * every event: the server sends each aggregate's view after the event.
 */
import { useSyncExternalStore } from 'react';
import type { FeedEvent } from '../../../server/protocol';
import type { IncidentView } from '../../../server/incidents/kind';
import type { UnitView } from '../../../server/units/kind';
import type { AgentView, CallView } from '../../../server/calls/kind';
import type { LiveClient } from './live';

export type { AgentView, CallView, IncidentView, UnitView };
export interface Position { lat: number; lon: number; at?: string; heading?: number; speedKmh?: number }
export type UnitWithPosition = UnitView & { position: Position | null };

export const OPEN_INCIDENT_STATES = ['new', 'triaged', 'pending', 'on_hold', 'dispatched', 'active', 'under_control'];

/** A tiny observable map; `version` changes on every write so React re-renders. */
export class Store<T> {
  readonly items = new Map<string, T>();
  private listeners = new Set<() => void>();
  version = 0;
  private scheduled = false;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = (): number => this.version;

  set(id: string, value: T): void {
    this.items.set(id, value);
    this.changed();
  }

  delete(id: string): void {
    if (this.items.delete(id)) this.changed();
  }

  /** Batches notifications to one per animation frame (a burst of positions is one render). */
  changed(): void {
    this.version++;
    if (this.scheduled) return;
    this.scheduled = true;
    const flush = () => {
      this.scheduled = false;
      for (const l of this.listeners) l();
    };
    if (typeof requestAnimationFrame === 'function') requestAnimationFrame(flush);
    else setTimeout(flush, 0);
  }

  values(): T[] {
    return [...this.items.values()];
  }
}

export function useStore<T>(store: Store<T>): Store<T> {
  useSyncExternalStore(store.subscribe, store.getVersion);
  return store;
}

/** Keeps `incidents` in step with the queue feeds of the given agencies (open incidents only). */
export function followQueues(live: LiveClient, agencyIds: string[], incidents: Store<IncidentView>, onEvent?: (e: FeedEvent) => void): () => void {
  const offs = agencyIds.map((agencyId) => live.subscribe(`queue:${agencyId}`, {
    snapshot(items) {
      for (const [id, v] of incidents.items) if (v.agencyId === agencyId) incidents.items.delete(id);
      for (const item of items) incidents.items.set(String(item.id), item as unknown as IncidentView);
      incidents.changed();
    },
    event(e) {
      const view = e.view as unknown as IncidentView;
      if (OPEN_INCIDENT_STATES.includes(view.state)) incidents.set(view.id, view);
      else incidents.delete(view.id);
      onEvent?.(e);
    },
  }));
  return () => offs.forEach((off) => off());
}

/** Keeps `units` in step with the unit maps of the given districts, positions included. */
export function followUnits(live: LiveClient, districtIds: string[], units: Store<UnitWithPosition>, onEvent?: (e: FeedEvent) => void): () => void {
  const offs = districtIds.map((districtId) => live.subscribe(`units:${districtId}`, {
    snapshot(items) {
      for (const item of items) units.items.set(String(item.id), item as unknown as UnitWithPosition);
      units.changed();
    },
    event(e) {
      const prev = units.items.get(e.streamId);
      units.set(e.streamId, { ...(e.view as unknown as UnitView), position: prev?.position ?? null });
      onEvent?.(e);
    },
    positions(list) {
      for (const p of list) {
        const u = units.items.get(p.unitId);
        if (u) units.items.set(p.unitId, { ...u, position: { lat: p.lat, lon: p.lon, at: p.at, heading: p.heading, speedKmh: p.speedKmh } });
      }
      units.changed();
    },
  }));
  return () => offs.forEach((off) => off());
}

/**
 * Keeps one incident (and its timeline of events) in step with its feed. With `history`, the
 * feed starts from its first event, so `onEvent` replays the whole timeline in order.
 */
export function followIncident(
  live: LiveClient, incidentId: string, onView: (v: IncidentView) => void, onEvent: (e: FeedEvent) => void, opts: { history?: boolean } = {},
): () => void {
  return live.subscribe(`incident:${incidentId}`, {
    snapshot(items) {
      if (items[0]) onView(items[0] as unknown as IncidentView);
    },
    event(e) {
      onView(e.view as unknown as IncidentView);
      onEvent(e);
    },
  }, opts.history ? 0 : undefined);
}

/**
 * Keeps `calls` (every call of the agency not yet ended, abandoned ones included) and `agents`
 * (readiness) in step with the agency's ACD feed `calls:<agencyId>`. One feed carries both
 * aggregates; an item's `kind` tells them apart. A call that ends leaves the store.
 */
export function followCalls(
  live: LiveClient, agencyId: string, calls: Store<CallView>, agents: Store<AgentView>, onEvent?: (e: FeedEvent) => void,
): () => void {
  const put = (item: Record<string, unknown>) => {
    if (item.kind === 'agent') agents.items.set(String(item.id), item as unknown as AgentView);
    else if (item.state === 'ended') calls.items.delete(String(item.id));
    else calls.items.set(String(item.id), item as unknown as CallView);
  };
  return live.subscribe(`calls:${agencyId}`, {
    snapshot(items) {
      calls.items.clear();
      agents.items.clear();
      items.forEach(put);
      calls.changed();
      agents.changed();
    },
    event(e) {
      put(e.view);
      (e.view.kind === 'agent' ? agents : calls).changed();
      onEvent?.(e);
    },
  });
}
