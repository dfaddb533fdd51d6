/**
 * Test support for path tests: replays a path found by `@xstate/graph` with the same pure
 * `transition()` the server uses, and pulls timer actions out of a transition's result.
 * Imported by the `*.test.ts` files only.
 */
import { transition, type AnyMachineSnapshot, type AnyStateMachine, type EventFromLogic, type SnapshotFrom } from 'xstate';

/** The parts of a graph path a replay needs (`StatePath` from `@xstate/graph`). */
export interface ReplayablePath<TSnapshot, TEvent> {
  state: TSnapshot;
  steps: Array<{ state: TSnapshot; event: TEvent }>;
}

/**
 * Applies each step's event with `transition()`, starting from `start`. Throws when a step
 * is refused (same snapshot back) or lands in another state than the graph said.
 */
export function replayPath<M extends AnyStateMachine>(
  machine: M,
  start: SnapshotFrom<M>,
  path: ReplayablePath<SnapshotFrom<M>, EventFromLogic<M>>,
): SnapshotFrom<M> {
  let snapshot = start;
  for (const step of path.steps) {
    // @xstate/graph starts every path with a synthetic init step.
    if (step.event.type === 'xstate.init') continue;
    const [next] = transition(machine, snapshot, step.event);
    if (next === snapshot) throw new Error(`step ${step.event.type} was refused in ${stateOf(snapshot)}`);
    if (stateOf(next) !== stateOf(step.state)) {
      throw new Error(`step ${step.event.type} reached ${stateOf(next)}, graph said ${stateOf(step.state)}`);
    }
    snapshot = next;
  }
  return snapshot;
}

function stateOf(snapshot: unknown): string {
  return JSON.stringify((snapshot as AnyMachineSnapshot).value);
}

/** A timer action as the server reads it from `transition()`'s action list. */
export interface TimerAction {
  type: string;
  params?: { event?: { type: string } & Record<string, unknown>; id?: string; delay?: number; sendId?: string };
}

/** Delayed raises (the only raises the server has to store). */
export function delayedRaises(actions: readonly TimerAction[]): TimerAction[] {
  return actions.filter((a) => a.type === 'xstate.raise' && typeof a.params?.delay === 'number');
}

/** Ids of the timers the transition cancels. */
export function cancelledTimers(actions: readonly TimerAction[]): string[] {
  return actions.filter((a) => a.type === 'xstate.cancel').map((a) => String(a.params?.sendId));
}
