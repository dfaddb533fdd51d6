/**
 * Test support for the incident machine's tests: a fresh incident, stepping it with the pure
 * `transition()` the server uses (an event that must be accepted, or one that must be refused),
 * delivering a stored timer, and a dispatch. Imported by the `incident*.test.ts` files only.
 */
import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import { incidentMachine, type IncidentEvent, type IncidentInput } from './incident';
import type { TimerAction } from './path-replay';

export type IncidentSnapshot = SnapshotFrom<typeof incidentMachine>;
export type Step = [IncidentSnapshot, TimerAction[]];

export const T0 = '2025-03-01T08:00:00.000Z';
export const at = (second: number) => new Date(Date.parse(T0) + second * 1000).toISOString();
export const ACK_MS = 60_000;
export const PENDING_MS = 120_000;

export const input: IncidentInput = {
  at: T0,
  incidentType: 'structure_fire',
  priority: 2,
  agencyId: 'fire',
  districtId: 'north',
  location: { lat: 52.37, lon: 4.89 },
  address: '1 Dam Square',
  description: 'smoke from second floor',
  pendingTargetMs: PENDING_MS,
};

export function fresh(): IncidentSnapshot {
  return initialTransition(incidentMachine, input)[0];
}

/** Applies one event that must be accepted; returns the snapshot and its actions. */
export function step(snapshot: IncidentSnapshot, event: IncidentEvent): Step {
  const [next, actions] = transition(incidentMachine, snapshot, event);
  if (next === snapshot) throw new Error(`${event.type} refused in ${String(snapshot.value)}`);
  return [next, actions as TimerAction[]];
}

export function run(snapshot: IncidentSnapshot, ...events: IncidentEvent[]): IncidentSnapshot {
  return events.reduce((snap, event) => step(snap, event)[0], snapshot);
}

export function refuses(snapshot: IncidentSnapshot, event: IncidentEvent): boolean {
  return transition(incidentMachine, snapshot, event)[0] === snapshot;
}

/** What the server does with a stored timer: deliver its event, stamped with the time. */
export function deliver(snapshot: IncidentSnapshot, timer: TimerAction, when: string): Step {
  return step(snapshot, { ...timer.params!.event, at: when } as IncidentEvent);
}

export const dispatch = (unitIds: string[], when: number): IncidentEvent => ({
  type: 'DISPATCH',
  unitIds,
  ackTimeoutMs: ACK_MS,
  at: at(when),
});
