/**
 * Incident lifecycle machine: one emergency from first call to closure.
 *
 * ```
 *  new ── (created with type and priority: always) ──► pending
 *           TRIAGE             PEND                      HOLD (triaged | pending)
 *   new ───────────► triaged ───────────► pending ─────────────────────► on_hold
 *    │ └────────── PEND ────────────────►  ▲  ↺ after pendingTarget:        │
 *    │                  ▲                  │    pending_overdue alert,      │
 *    │                  │                  │    escalations + 1, re-armed   │
 *    │                  └──────────────────┼──────────── RESUME ◄───────────┘
 *    │ DISPATCH (new | triaged | pending)  │ last UNIT_RELEASED
 *    ▼                                     │
 *   dispatched ────────────────────────────┘
 *    │ UNIT_STATUS
 *    ▼          UNDER_CONTROL
 *   active ─────────────────► under_control
 *
 *   CLOSE  (triaged … under_control) ──► closed    ──┐
 *   CANCEL (new … dispatched)        ──► cancelled ──┴── REOPEN ──► triaged
 *   MERGE  (new | triaged | pending | on_hold, no units) ──► merged (final)
 *   DISPATCH, UNIT_ACKNOWLEDGED, ACK_TIMEOUT, UNIT_RELEASED stay in dispatched | active |
 *   under_control, and so do ASSIGN_DIVISION (ICS) and REQUEST_RESOURCES (raises an alert);
 *   NOTE, ALERT_ACK, RECORDING_STARTED / _STORED / _FAILED, CALL_LINKED / CALL_ENDED anywhere but merged;
 *   PRIORITY, UPDATE in open states.
 * ```
 *
 * Acknowledgement timers are delayed raises of `ACK_TIMEOUT` with id `ack:<unitId>`;
 * the pending timer is the `after` delay `pendingTarget` (= `context.pendingTargetMs`).
 * `transition()` hands both back as `xstate.raise` / `xstate.cancel` actions for the server
 * to store; the server stamps `at` on a timer event when it delivers it.
 */
import { assertEvent, assign, enqueueActions, setup } from 'xstate';
import { addMs, hasText, stampOf } from './common';
import {
  type Assignment,
  type IncidentContext,
  type IncidentEvent,
  type IncidentInput,
  ackTimerId,
  alertFor,
  initialIncidentContext,
  isPriority,
  isUnitProgress,
  pendingAckTimers,
  updateChanges,
} from './incident-model';
import { applyRecording, isNewRecording, isRecordingInProgress, type RecordingEvent } from './recordings';

export * from './incident-model';

/**
 * Accepted in every state but `merged`. Not put on the root: pure `transition()` still
 * takes root transitions on a snapshot whose status is already `done`.
 */
const annotations = {
  NOTE: { guard: 'hasNoteText', actions: 'countNote' },
  ALERT_ACK: { guard: 'alertAwaitsAck', actions: 'acknowledgeAlert' },
  // A recording finishes after its camera stops, which may be after the incident closed.
  RECORDING_STARTED: { guard: 'newRecording', actions: 'recordingEvent' },
  RECORDING_STORED: { guard: 'recordingInProgress', actions: 'recordingEvent' },
  RECORDING_FAILED: { guard: 'recordingInProgress', actions: 'recordingEvent' },
  // A call about a closed incident still lands on its timeline (a second caller, a callback).
  CALL_LINKED: { guard: 'newCall', actions: 'linkCall' },
  CALL_ENDED: { guard: 'callInProgress', actions: 'endCall' },
} as const;

/** Transitions every open state shares. */
const openStateHandlers = {
  ...annotations,
  PRIORITY: { guard: 'priorityChanges', actions: 'changePriority' },
  UPDATE: { guard: 'updateChanges', actions: 'applyUpdate' },
} as const;

const dispatchFromWaiting = { target: 'dispatched', guard: 'canDispatch', actions: 'dispatchUnits' } as const;
const unitHandlers = {
  DISPATCH: { guard: 'canDispatch', actions: 'dispatchUnits' },
  UNIT_ACKNOWLEDGED: { guard: 'unitAwaitsAck', actions: 'acknowledgeUnit' },
  ACK_TIMEOUT: { guard: 'unitAwaitsAck', actions: 'flagAckOverdue' },
  UNIT_RELEASED: { guard: 'unitAssigned', actions: 'releaseUnit' },
  ASSIGN_DIVISION: { guard: 'divisionChanges', actions: 'assignDivision' },
  REQUEST_RESOURCES: { guard: 'hasResourceRequest', actions: 'requestResources' },
  ...openStateHandlers,
} as const;
const close = { target: 'closed', guard: 'hasDisposition', actions: 'closeIncident' } as const;
const cancel = { target: 'cancelled', guard: 'hasReason', actions: 'cancelIncident' } as const;
const hold = { target: 'on_hold', guard: 'hasReason', actions: 'hold' } as const;
const merge = { target: 'merged', guard: 'canMerge', actions: 'merge' } as const;

/** The lifecycle of one incident. Compute with `initialTransition` / `transition`. */
export const incidentMachine = setup({
  types: {
    context: {} as IncidentContext,
    events: {} as IncidentEvent,
    input: {} as IncidentInput,
  },
  delays: {
    pendingTarget: ({ context }) => context.pendingTargetMs,
  },
  guards: {
    divisionChanges: ({ context, event }) => {
      if (event.type !== 'ASSIGN_DIVISION' || !(event.unitId in context.units)) return false;
      const name = event.division === null ? null : event.division.trim();
      if (name !== null && (name.length === 0 || name.length > 40)) return false;
      return (context.divisions[event.unitId] ?? null) !== name;
    },
    hasResourceRequest: ({ event }) =>
      event.type === 'REQUEST_RESOURCES' && event.requests.length > 0 && event.requests.every((r) => r.count >= 1 && hasText(r.capability)),
    hasReason: ({ event }) => 'reason' in event && hasText(event.reason),
    hasDisposition: ({ event }) => 'disposition' in event && hasText(event.disposition),
    canDispatch: ({ context, event }) => {
      assertEvent(event, 'DISPATCH');
      const ids = event.unitIds;
      return (
        Array.isArray(ids) &&
        ids.length > 0 &&
        new Set(ids).size === ids.length &&
        ids.every((id) => hasText(id) && !(id in context.units)) &&
        Number.isFinite(event.ackTimeoutMs) &&
        event.ackTimeoutMs > 0
      );
    },
    unitAssigned: ({ context, event }) => 'unitId' in event && typeof event.unitId === 'string' && event.unitId in context.units,
    lastUnitReleased: ({ context, event }) => {
      assertEvent(event, 'UNIT_RELEASED');
      const ids = Object.keys(context.units);
      return ids.length === 1 && ids[0] === event.unitId;
    },
    unitAwaitsAck: ({ context, event }) => {
      assertEvent(event, ['UNIT_ACKNOWLEDGED', 'ACK_TIMEOUT']);
      const unit = context.units[event.unitId];
      return unit !== undefined && unit.status === 'dispatched' && unit.acknowledgedAt === null;
    },
    unitStatusChanges: ({ context, event }) => {
      assertEvent(event, 'UNIT_STATUS');
      const unit = context.units[event.unitId];
      return unit !== undefined && isUnitProgress(event.status) && unit.status !== event.status;
    },
    priorityChanges: ({ context, event }) => {
      assertEvent(event, 'PRIORITY');
      return (
        isPriority(event.priority) &&
        event.priority !== context.priority &&
        Number.isFinite(event.pendingTargetMs) &&
        event.pendingTargetMs > 0
      );
    },
    updateChanges: ({ context, event }) => {
      assertEvent(event, 'UPDATE');
      return Object.keys(updateChanges(context, event)).length > 0;
    },
    hasNoteText: ({ event }) => 'text' in event && hasText(event.text),
    alertAwaitsAck: ({ context, event }) => {
      assertEvent(event, 'ALERT_ACK');
      const alert = context.alerts.find((a) => a.id === event.alertId);
      return alert !== undefined && alert.acknowledgedAt === null && hasText(event.by);
    },
    newRecording: ({ context, event }) => isNewRecording(context.recordings, event as RecordingEvent),
    recordingInProgress: ({ context, event }) => isRecordingInProgress(context.recordings, event as RecordingEvent),
    newCall: ({ context, event }) =>
      event.type === 'CALL_LINKED' && hasText(event.callId) && !(context.calls ?? []).some((c) => c.callId === event.callId),
    callInProgress: ({ context, event }) =>
      event.type === 'CALL_ENDED' && (context.calls ?? []).some((c) => c.callId === event.callId && c.endedAt === null),
    canMerge: ({ context, event }) => {
      assertEvent(event, 'MERGE');
      return hasText(event.intoIncidentId) && Object.keys(context.units).length === 0;
    },
  },
  actions: {
    assignDivision: assign(({ context, event }) => {
      assertEvent(event, 'ASSIGN_DIVISION');
      const { [event.unitId]: _previous, ...divisions } = context.divisions;
      return { divisions: event.division === null ? divisions : { ...divisions, [event.unitId]: event.division.trim() } };
    }),
    requestResources: assign(({ context, event }) => {
      assertEvent(event, 'REQUEST_RESOURCES');
      const id = `request-${context.resourceRequests.length + 1}`;
      return {
        resourceRequests: [...context.resourceRequests, { id, requests: event.requests, note: event.note, requestedAt: event.at, requestedBy: event.by }],
        alerts: [...context.alerts, alertFor(context, 'resource_request', null, event.at)],
      };
    }),
    triage: assign(({ context, event }) => {
      assertEvent(event, 'TRIAGE');
      return {
        priority: isPriority(event.priority) ? event.priority : context.priority,
        incidentType: hasText(event.incidentType) ? event.incidentType : context.incidentType,
      };
    }),
    escalatePending: assign(({ context, event }) => ({
      alerts: [...context.alerts, alertFor(context, 'pending_overdue', null, stampOf(event) ?? '')],
      escalations: context.escalations + 1,
    })),
    dispatchUnits: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'DISPATCH');
      const units: Record<string, Assignment> = { ...context.units };
      for (const unitId of event.unitIds) {
        units[unitId] = { status: 'dispatched', dispatchedAt: event.at, acknowledgedAt: null };
      }
      enqueue.assign({ units, firstDispatchedAt: context.firstDispatchedAt ?? event.at });
      for (const unitId of event.unitIds) {
        // `at` is when the timer is due; the server re-stamps it with the delivery time.
        const timeout = { type: 'ACK_TIMEOUT' as const, unitId, at: addMs(event.at, event.ackTimeoutMs) };
        enqueue.raise(timeout, { delay: event.ackTimeoutMs, id: ackTimerId(unitId) });
      }
    }),
    acknowledgeUnit: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'UNIT_ACKNOWLEDGED');
      const unit = context.units[event.unitId]!;
      const acked: Assignment = { ...unit, status: 'acknowledged', acknowledgedAt: event.at };
      enqueue.assign({ units: { ...context.units, [event.unitId]: acked } });
      enqueue.cancel(ackTimerId(event.unitId));
    }),
    updateUnitStatus: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'UNIT_STATUS');
      const unit = context.units[event.unitId]!;
      const moved: Assignment = { ...unit, status: event.status, acknowledgedAt: unit.acknowledgedAt ?? event.at };
      enqueue.assign({
        units: { ...context.units, [event.unitId]: moved },
        firstOnSceneAt: context.firstOnSceneAt ?? (event.status === 'on_scene' ? event.at : null),
      });
      // Moving counts as acknowledging: the unit's ack timer is no longer wanted.
      if (unit.acknowledgedAt === null) enqueue.cancel(ackTimerId(event.unitId));
    }),
    flagAckOverdue: assign(({ context, event }) => {
      assertEvent(event, 'ACK_TIMEOUT');
      return { alerts: [...context.alerts, alertFor(context, 'ack_overdue', event.unitId, event.at)] };
    }),
    releaseUnit: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'UNIT_RELEASED');
      const { [event.unitId]: released, ...units } = context.units;
      const { [event.unitId]: _division, ...divisions } = context.divisions;
      enqueue.assign({ units, divisions });
      if (released?.acknowledgedAt === null) enqueue.cancel(ackTimerId(event.unitId));
    }),
    hold: assign(({ event }) => {
      assertEvent(event, 'HOLD');
      return { holdReason: event.reason };
    }),
    resume: assign({ holdReason: null }),
    changePriority: assign(({ event }) => {
      assertEvent(event, 'PRIORITY');
      return { priority: event.priority, pendingTargetMs: event.pendingTargetMs };
    }),
    applyUpdate: assign(({ context, event }) => {
      assertEvent(event, 'UPDATE');
      return updateChanges(context, event);
    }),
    countNote: assign({ noteCount: ({ context }) => context.noteCount + 1 }),
    acknowledgeAlert: assign(({ context, event }) => {
      assertEvent(event, 'ALERT_ACK');
      return {
        alerts: context.alerts.map((a) =>
          a.id === event.alertId ? { ...a, acknowledgedAt: event.at, acknowledgedBy: event.by } : a,
        ),
      };
    }),
    closeIncident: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'CLOSE');
      for (const unitId of pendingAckTimers(context)) enqueue.cancel(ackTimerId(unitId));
      enqueue.assign({ units: {}, divisions: {}, disposition: event.disposition, closedAt: event.at });
    }),
    cancelIncident: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'CANCEL');
      for (const unitId of pendingAckTimers(context)) enqueue.cancel(ackTimerId(unitId));
      enqueue.assign({ units: {}, divisions: {}, disposition: event.reason, closedAt: event.at });
    }),
    reopen: assign({ closedAt: null, disposition: null }),
    recordingEvent: assign(({ context, event }) => {
      assertEvent(event, ['RECORDING_STARTED', 'RECORDING_STORED', 'RECORDING_FAILED']);
      return { recordings: applyRecording(context.recordings, event) };
    }),
    linkCall: assign(({ context, event }) => {
      assertEvent(event, 'CALL_LINKED');
      const call = { callId: event.callId, callerNumber: event.callerNumber, line: event.line, linkedAt: event.at, endedAt: null, outcome: null };
      return { calls: [...(context.calls ?? []), call] };
    }),
    endCall: assign(({ context, event }) => {
      assertEvent(event, 'CALL_ENDED');
      return { calls: context.calls.map((c) => (c.callId === event.callId ? { ...c, endedAt: event.at, outcome: event.outcome } : c)) };
    }),
    merge: assign(({ event }) => {
      assertEvent(event, 'MERGE');
      return { mergedInto: event.intoIncidentId };
    }),
  },
}).createMachine({
  id: 'incident',
  initial: 'new',
  // Pure transition() builds a throwaway actor without input: an empty context, not a throw
  // (a thrown TypeError per call measured ~6 % of the server's CPU).
  context: ({ input }) => (input ? initialIncidentContext(input) : ({} as IncidentContext)),
  states: {
    new: {
      // An incident reported with type and priority skips the separate triage step.
      always: { guard: ({ context }) => context.intakeComplete, target: 'pending' },
      on: {
        TRIAGE: { target: 'triaged', actions: 'triage' },
        PEND: 'pending',
        DISPATCH: dispatchFromWaiting,
        CANCEL: cancel,
        MERGE: merge,
        ...openStateHandlers,
      },
    },
    triaged: {
      on: { PEND: 'pending', DISPATCH: dispatchFromWaiting, HOLD: hold, CLOSE: close, CANCEL: cancel, MERGE: merge, ...openStateHandlers },
    },
    pending: {
      after: {
        pendingTarget: { target: 'pending', reenter: true, actions: 'escalatePending' },
      },
      on: {
        DISPATCH: dispatchFromWaiting,
        HOLD: hold,
        CLOSE: close,
        CANCEL: cancel,
        MERGE: merge,
        ...openStateHandlers,
        // A new priority brings a new target: re-arm the pending timer with it.
        PRIORITY: { target: 'pending', reenter: true, guard: 'priorityChanges', actions: 'changePriority' },
      },
    },
    on_hold: {
      on: { RESUME: { target: 'triaged', actions: 'resume' }, CLOSE: close, CANCEL: cancel, MERGE: merge, ...openStateHandlers },
    },
    dispatched: {
      on: {
        ...unitHandlers,
        UNIT_STATUS: { target: 'active', guard: 'unitStatusChanges', actions: 'updateUnitStatus' },
        UNIT_RELEASED: [
          { target: 'pending', guard: 'lastUnitReleased', actions: 'releaseUnit' },
          { guard: 'unitAssigned', actions: 'releaseUnit' },
        ],
        CLOSE: close,
        CANCEL: cancel,
      },
    },
    active: {
      on: {
        ...unitHandlers,
        UNIT_STATUS: { guard: 'unitStatusChanges', actions: 'updateUnitStatus' },
        UNDER_CONTROL: 'under_control',
        CLOSE: close,
      },
    },
    under_control: {
      on: { ...unitHandlers, UNIT_STATUS: { guard: 'unitStatusChanges', actions: 'updateUnitStatus' }, CLOSE: close },
    },
    closed: { on: { ...annotations, REOPEN: { target: 'triaged', guard: 'hasReason', actions: 'reopen' } } },
    cancelled: { on: { ...annotations, REOPEN: { target: 'triaged', guard: 'hasReason', actions: 'reopen' } } },
    merged: { type: 'final' },
  },
});
