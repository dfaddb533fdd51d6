/**
 * Unit status machine: one response unit (engine, ambulance, patrol car).
 *
 * ```
 *              DISPATCH              ACKNOWLEDGE
 *   available ──────────► dispatched ───────────► acknowledged
 *    ▲ │  ▲                 ▲   │ EN_ROUTE           │ EN_ROUTE
 *    │ │  │ IN_SERVICE      │   ▼                    │
 *    │ │ out_of_service     │  en_route ◄────────────┘    (ON_SCENE also from
 *    │ │  ▲                 │   │ ON_SCENE                 dispatched, acknowledged)
 *    │ └──┘ OUT_OF_SERVICE  │   ▼        TRANSPORT        AT_DESTINATION
 *    │      (also from      │  on_scene ──────────► transporting ──────► at_destination
 *    │       returning)     │ DISPATCH
 *    │ AVAILABLE            │
 *   returning ──────────────┘ ◄── CLEAR / RELEASE (en_route … at_destination)
 *
 *   PREEMPT (dispatched | acknowledged | en_route | returning) ──► dispatched, new incident
 *   RELEASE (dispatched | acknowledged) ──► available
 *   EMERGENCY / EMERGENCY_CLEAR set / clear the emergency flag in any state.
 * ```
 *
 * Entering any state stamps `since` with the event's `at`.
 */
import { assertEvent, assign, setup } from 'xstate';
import { hasText, stampOf, type Stamped } from './common';

/** Stored names of the unit states (part of the persisted schema: do not rename). */
export type UnitStatus =
  | 'available'
  | 'dispatched'
  | 'acknowledged'
  | 'en_route'
  | 'on_scene'
  | 'transporting'
  | 'at_destination'
  | 'returning'
  | 'out_of_service';

/** What a unit machine remembers. */
export interface UnitContext {
  incidentId: string | null;
  emergency: boolean;
  /** When the unit entered its current status. */
  since: string;
  outOfServiceReason: string | null;
  /** Reason given by the last PREEMPT or RELEASE. */
  lastReason: string | null;
}

/** Input of a new unit machine. */
export interface UnitInput {
  at: string;
}

/** Events a unit accepts; every one is stamped with `at` by the server. */
export type UnitEvent = Stamped &
  (
    | { type: 'DISPATCH'; incidentId: string }
    | { type: 'PREEMPT'; incidentId: string; reason: string }
    | { type: 'ACKNOWLEDGE' }
    | { type: 'EN_ROUTE' }
    | { type: 'ON_SCENE' }
    | { type: 'TRANSPORT' }
    | { type: 'AT_DESTINATION' }
    | { type: 'CLEAR' }
    | { type: 'RELEASE'; reason: string }
    | { type: 'AVAILABLE' }
    | { type: 'OUT_OF_SERVICE'; reason: string }
    | { type: 'IN_SERVICE' }
    | { type: 'EMERGENCY' }
    | { type: 'EMERGENCY_CLEAR' }
  );

/** Every unit status, in display order. */
export const UNIT_STATUSES: readonly UnitStatus[] = [
  'available',
  'dispatched',
  'acknowledged',
  'en_route',
  'on_scene',
  'transporting',
  'at_destination',
  'returning',
  'out_of_service',
];

const toDispatched = { target: 'dispatched', reenter: true, guard: 'canPreempt', actions: 'preempt' } as const;
const release = (target: 'available' | 'returning') =>
  ({ target, guard: 'hasReason', actions: 'release' }) as const;
const clear = { target: 'returning', actions: 'leaveIncident' } as const;

/** The status machine of one unit. Compute with `initialTransition` / `transition`. */
export const unitMachine = setup({
  types: {
    context: {} as UnitContext,
    events: {} as UnitEvent,
    input: {} as UnitInput,
  },
  guards: {
    hasReason: ({ event }) => 'reason' in event && hasText(event.reason),
    hasIncident: ({ event }) => 'incidentId' in event && hasText(event.incidentId),
    canPreempt: ({ context, event }) => {
      assertEvent(event, 'PREEMPT');
      return hasText(event.reason) && hasText(event.incidentId) && event.incidentId !== context.incidentId;
    },
    notInEmergency: ({ context }) => !context.emergency,
    inEmergency: ({ context }) => context.emergency,
  },
  actions: {
    stampSince: assign({ since: ({ context, event }) => stampOf(event) ?? context.since }),
    assignIncident: assign({
      incidentId: ({ event }) => {
        assertEvent(event, 'DISPATCH');
        return event.incidentId;
      },
    }),
    preempt: assign(({ event }) => {
      assertEvent(event, 'PREEMPT');
      return { incidentId: event.incidentId, lastReason: event.reason };
    }),
    leaveIncident: assign({ incidentId: null }),
    release: assign(({ event }) => {
      assertEvent(event, 'RELEASE');
      return { incidentId: null, lastReason: event.reason };
    }),
    takeOutOfService: assign({
      outOfServiceReason: ({ event }) => {
        assertEvent(event, 'OUT_OF_SERVICE');
        return event.reason;
      },
    }),
    returnToService: assign({ outOfServiceReason: null }),
    raiseEmergency: assign({ emergency: true }),
    clearEmergency: assign({ emergency: false }),
  },
}).createMachine({
  id: 'unit',
  initial: 'available',
  context: ({ input }) => ({
    incidentId: null,
    emergency: false,
    since: input?.at ?? '', // no input in pure transition()'s throwaway actor
    outOfServiceReason: null,
    lastReason: null,
  }),
  on: {
    EMERGENCY: { guard: 'notInEmergency', actions: 'raiseEmergency' },
    EMERGENCY_CLEAR: { guard: 'inEmergency', actions: 'clearEmergency' },
  },
  states: {
    available: {
      entry: 'stampSince',
      on: {
        DISPATCH: { target: 'dispatched', guard: 'hasIncident', actions: 'assignIncident' },
        OUT_OF_SERVICE: { target: 'out_of_service', guard: 'hasReason', actions: 'takeOutOfService' },
      },
    },
    dispatched: {
      entry: 'stampSince',
      on: {
        PREEMPT: toDispatched,
        ACKNOWLEDGE: 'acknowledged',
        EN_ROUTE: 'en_route',
        ON_SCENE: 'on_scene',
        RELEASE: release('available'),
      },
    },
    acknowledged: {
      entry: 'stampSince',
      on: {
        PREEMPT: toDispatched,
        EN_ROUTE: 'en_route',
        ON_SCENE: 'on_scene',
        RELEASE: release('available'),
      },
    },
    en_route: {
      entry: 'stampSince',
      on: { PREEMPT: toDispatched, ON_SCENE: 'on_scene', CLEAR: clear, RELEASE: release('returning') },
    },
    on_scene: {
      entry: 'stampSince',
      on: { TRANSPORT: 'transporting', CLEAR: clear, RELEASE: release('returning') },
    },
    transporting: {
      entry: 'stampSince',
      on: { AT_DESTINATION: 'at_destination', CLEAR: clear, RELEASE: release('returning') },
    },
    at_destination: {
      entry: 'stampSince',
      on: { CLEAR: clear, RELEASE: release('returning') },
    },
    returning: {
      entry: 'stampSince',
      on: {
        DISPATCH: { target: 'dispatched', guard: 'hasIncident', actions: 'assignIncident' },
        PREEMPT: toDispatched,
        AVAILABLE: 'available',
        OUT_OF_SERVICE: { target: 'out_of_service', guard: 'hasReason', actions: 'takeOutOfService' },
      },
    },
    out_of_service: {
      entry: 'stampSince',
      on: { IN_SERVICE: { target: 'available', actions: 'returnToService' } },
    },
  },
});
