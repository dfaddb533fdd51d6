/**
 * Small pure helpers shared by the Beacon state machines.
 *
 * Nothing here reads a clock, a database or randomness: time always comes from the
 * `at` stamp the server puts on every event.
 */
import { createActor, type AnyStateMachine, type SnapshotFrom } from 'xstate';

/** Every event a machine receives carries the server's ISO time stamp. */
export interface Stamped {
  /** ISO-8601 time stamped by the server when it accepted (or delivered) the event. */
  at: string;
}

/** True when `text` is a string with something other than white space in it. */
export function hasText(text: unknown): text is string {
  return typeof text === 'string' && text.trim().length > 0;
}

/**
 * The ISO time `ms` milliseconds after `at` (pure arithmetic on the stamp, no clock).
 * Used to tell a timer event when it was due.
 */
export function addMs(at: string, ms: number): string {
  const base = Date.parse(at);
  return Number.isFinite(base) ? new Date(base + ms).toISOString() : at;
}

/**
 * The `at` stamp of an event, if it has one. Timer events (`after` and delayed raises)
 * are stored by the server and must be stamped again when delivered.
 */
export function stampOf(event: { type: string }): string | null {
  const at = (event as Partial<Stamped>).at;
  return typeof at === 'string' ? at : null;
}

/**
 * Turns a persisted snapshot (`machine.getPersistedSnapshot(s)` after a JSON round trip)
 * back into a snapshot `transition()` accepts. The actor is never started.
 */
export function restoreSnapshot<M extends AnyStateMachine>(machine: M, persisted: unknown): SnapshotFrom<M> {
  // XState's types require `input` for machines that take input, even though a restored
  // snapshot ignores it.
  const actor = createActor(machine as AnyStateMachine, { snapshot: persisted as never, input: undefined });
  return actor.getSnapshot() as SnapshotFrom<M>;
}
