/**
 * What the pipeline needs to know about one kind of aggregate (incident, unit, later call and
 * work order): its pure machine, its public view, its event names, the live feeds it writes.
 */
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';

export type AggregateType = 'incident' | 'unit' | 'media_access' | 'media_view' | 'call' | 'agent';

/**
 * Small columns kept beside the snapshot, so queries and indexes never read the snapshot (an
 * index on the snapshot would stop every update from being done in place). `parties`: the
 * people an aggregate keeps busy right now (a call: its agents).
 */
export interface AggregateScope {
  agencyId: string | null;
  districtId: string | null;
  parties?: string[] | null;
  /** A recording of it is under way (start-up finishes those a crash left open). */
  recording?: boolean;
  /** What it refers to, as `<type>:<id>` (a media view: the incident and the call it showed). */
  refs?: string[] | null;
}

export interface AggregateKind {
  type: AggregateType;
  machine: AnyStateMachine;
  /** The public view of an aggregate (what clients see, and what read queries return). */
  view(id: string, snapshot: AnyMachineSnapshot, version: number): Record<string, unknown>;
  /** Stored event name for a machine event type (`DISPATCH` → `incident.dispatched`). */
  eventName(machineEventType: string): string;
  /** Live feeds an event of this aggregate is appended to, from its view after the event. */
  feeds(view: Record<string, unknown>): string[];
  /** Columns kept beside the snapshot for scoped queries. */
  scope(view: Record<string, unknown>): AggregateScope;
}

/** The top-level state name of a snapshot (`{ a: 'b' }` → `a`). */
export function stateName(snapshot: AnyMachineSnapshot): string {
  const v = snapshot.value as unknown;
  return typeof v === 'string' ? v : Object.keys(v as object)[0] ?? 'unknown';
}
