/**
 * XState's pure `transition()` / `initialTransition()`, with one inert actor scope per machine
 * made once instead of one per call: xstate 5's functions build a whole actor (and its system)
 * for every transition, which was about 2% of the call bench server's CPU. The scope collects
 * the actions to execute into the array of the current call. Beacon's machines spawn and invoke
 * no actors, so the scope keeps nothing from one call to the next (transitions.test.ts checks
 * that every machine gives exactly what xstate's own functions give).
 */
import { createActor, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';

type Action = { type: string; params?: unknown };

export class MachineTransitions {
  private collected: Action[] = [];
  private readonly scope: unknown;

  constructor(private readonly machine: AnyStateMachine) {
    const self = createActor(machine);
    this.scope = {
      self, defer: () => {}, id: '', logger: () => {}, sessionId: '', stopChild: () => {}, system: self.system, emit: () => {},
      actionExecutor: (action: Action) => void this.collected.push(action),
    };
  }

  transition(snapshot: AnyMachineSnapshot, event: { type: string; [key: string]: unknown }): [AnyMachineSnapshot, Action[]] {
    this.collected = [];
    const next = this.machine.transition(snapshot, event as never, this.scope as never) as AnyMachineSnapshot;
    return [next, this.collected];
  }

  initialTransition(input: unknown): [AnyMachineSnapshot, Action[]] {
    this.collected = [];
    const next = this.machine.getInitialSnapshot(this.scope as never, input) as AnyMachineSnapshot;
    return [next, this.collected];
  }
}
