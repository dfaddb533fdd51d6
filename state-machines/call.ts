/**
 * Call machine: one phone call from first ring to its end (issue #5).
 *
 * ```
 *            ENQUEUE (inbound)          OFFER               ANSWER (the offered agent or any)
 *  ringing ───────────────────► queued ───────► offered ─────────────────────────► answered
 *   │  │ CONNECTED (outbound)    │ ▲  ▲           │ OFFER_TIMEOUT / DECLINE ──► queued    │ ▲
 *   │  └─────────────────────────┼─┼──┼───────────┼───────────────────────────────────► │ │
 *   │                            │ │  │  ANSWER (picked from the queue) ───────────────►│ │
 *   │                            │ │  │                                         HOLD ▼  │ │ RESUME
 *   │                            │ │  │                                        held ────┘ │
 *   │ END (inbound)              │ │  │ TRANSFER_TIMEOUT (blind, agent)                   │
 *   ▼                            │ │  └─────────────── transferring ◄── TRANSFER ─ answered | held
 *  abandoned ◄── END (caller) ───┘ │                    │ TRANSFER_ANSWERED (blind, agent) ──► answered
 *   │ ↺ CALLBACK                   │                    │ TRANSFER_COMPLETE (agent target) ──► answered
 *   │ RESOLVE                      │                    │ TRANSFER_CANCEL (back to transferor) ► answered
 *   ▼                              │                    └ TRANSFER_COMPLETE (number) ──► ended (transferred)
 *  ended (final) ◄── END ── answered | held | transferring | conferenced,  ringing (outbound: no answer)
 *                                           CONFERENCE_ADD ▲ ▼ last CONFERENCE_LEAVE
 *                                  answered ◄──────── conferenced
 *
 *   ANSWER_OVERDUE (delayed, line's answer target) in queued | offered: an alert, once per arming.
 *   MEDIA_UP, DTMF, LOCATION_PROPOSED, LOCATION_CONFIRM, LINK_INCIDENT in every state a caller is on;
 *   RECORDING_STARTED / _STORED / _FAILED in every state, `ended` included (a leg's file is
 *   stored after the call ended; `ended` accepts nothing else).
 * ```
 *
 * Timers are delayed raises with the ids in `CALL_TIMERS`: the answer target (armed when the
 * call queues, cancelled when it is answered or ends), the offer (an agent who does not take
 * the call within the line's offer time sends it back to the queue) and a blind transfer to an
 * agent (not taken in time: back to the queue). A PIDF-LO location stays *proposed* until a
 * dispatcher confirms it; a new proposal never replaces a confirmed location.
 */
import { and, assertEvent, assign, enqueueActions, setup } from 'xstate';
import { addMs, hasText } from './common';
import { applyRecording, isNewRecording, isRecordingInProgress, type RecordingEvent } from './recordings';
import {
  CALL_TIMERS,
  DTMF_DIGIT,
  MAX_CALL_DIGITS,
  type CallContext,
  type CallEvent,
  type CallInput,
  initialCallContext,
  isLocation,
  isParty,
  partyId,
} from './call-model';

export * from './call-model';

/** Recordings start with a leg's media and are stored after it ends, even after the call ended. */
const recordingEvents = {
  RECORDING_STARTED: { guard: 'newRecording', actions: 'recordingEvent' },
  RECORDING_STORED: { guard: 'recordingInProgress', actions: 'recordingEvent' },
  RECORDING_FAILED: { guard: 'recordingInProgress', actions: 'recordingEvent' },
} as const;
/** Accepted in every state the caller is still on the line in. */
const onLine = {
  ...recordingEvents,
  MEDIA_UP: { actions: 'mediaUp' },
  DTMF: { guard: 'validDigit', actions: 'pressDigit' },
  LOCATION_PROPOSED: { guard: 'validProposal', actions: 'proposeLocation' },
  LOCATION_CONFIRM: { guard: 'validConfirmation', actions: 'confirmLocation' },
  LINK_INCIDENT: { guard: 'linksIncident', actions: 'linkIncident' },
} as const;
/** A caller still waiting for an answer (not yet with an agent). */
const waiting = {
  ...onLine,
  ANSWER: { target: 'answered', guard: 'isAgent', actions: 'answer' },
  ANSWER_OVERDUE: { actions: 'flagAnswerOverdue' },
  END: { target: 'abandoned', guard: 'hasEndReason', actions: 'abandon' },
} as const;
const endConnected = { target: 'ended', guard: 'hasEndReason', actions: 'endCall' } as const;
const transfer = { target: 'transferring', guard: 'validTransfer', actions: 'startTransfer' } as const;

/** The lifecycle of one call. Compute with `initialTransition` / `transition`. */
export const callMachine = setup({
  types: { context: {} as CallContext, events: {} as CallEvent, input: {} as CallInput },
  guards: {
    inbound: ({ context }) => context.direction === 'inbound',
    outbound: ({ context }) => context.direction === 'outbound',
    isAgent: ({ event }) => 'agentId' in event && hasText(event.agentId) && 'username' in event && hasText(event.username),
    offeredTo: ({ context, event }) => 'agentId' in event && context.offer?.agentId === event.agentId,
    hasEndReason: ({ event }) => event.type === 'END' && ['caller', 'agent', 'system'].includes(event.by) && hasText(event.reason),
    validTransfer: ({ context, event }) => {
      assertEvent(event, 'TRANSFER');
      if (!isParty(event.target) || !['blind', 'attended'].includes(event.mode)) return false;
      return !(event.target.kind === 'agent' && event.target.agentId === context.agent?.agentId);
    },
    blindToAgent: ({ context }) => context.transfer?.mode === 'blind' && context.transfer.target.kind === 'agent',
    transferToNumber: ({ context }) => context.transfer?.target.kind === 'number',
    agentTargetAnswered: ({ context }) => context.transfer?.target.kind === 'agent' && context.transfer.targetAnsweredAt !== null,
    targetNotAnswered: ({ context }) => context.transfer !== null && context.transfer.targetAnsweredAt === null,
    canTakeBack: ({ context, event }) => {
      assertEvent(event, 'TRANSFER_CANCEL');
      // A blind transfer to an agent has already let go: only the queue can take it back.
      return hasText(event.reason) && context.transfer !== null && !(context.transfer.mode === 'blind' && context.transfer.target.kind === 'agent');
    },
    newParty: ({ context, event }) => {
      assertEvent(event, 'CONFERENCE_ADD');
      if (!isParty(event.party)) return false;
      const id = partyId(event.party);
      return id !== context.agent?.agentId && !context.conference.some((p) => partyId(p) === id);
    },
    inConference: ({ context, event }) => {
      assertEvent(event, 'CONFERENCE_LEAVE');
      return context.conference.some((p) => partyId(p) === event.partyId);
    },
    lastToLeave: ({ context, event }) => {
      assertEvent(event, 'CONFERENCE_LEAVE');
      return context.conference.length === 1 && partyId(context.conference[0]!) === event.partyId;
    },
    // A confirmed location is the dispatcher's word: a later PIDF-LO only updates the proposal.
    validProposal: ({ event }) => event.type === 'LOCATION_PROPOSED' && isLocation(event.location),
    validConfirmation: ({ event }) => event.type === 'LOCATION_CONFIRM' && isLocation(event.location) && hasText(event.by),
    linksIncident: ({ context, event }) => event.type === 'LINK_INCIDENT' && hasText(event.incidentId) && context.incidentId !== event.incidentId,
    validCallback: ({ event }) => event.type === 'CALLBACK' && hasText(event.callbackCallId) && hasText(event.by),
    validDigit: ({ event }) => event.type === 'DTMF' && DTMF_DIGIT.test(event.digit) && ['rfc4733', 'info'].includes(event.via),
    newRecording: ({ context, event }) => isNewRecording(context.recordings, event as RecordingEvent),
    recordingInProgress: ({ context, event }) => isRecordingInProgress(context.recordings, event as RecordingEvent),
    hasResolution: ({ event }) => event.type === 'RESOLVE' && hasText(event.reason) && hasText(event.by),
  },
  actions: {
    enqueue: enqueueActions(({ context, event, enqueue }) => {
      enqueue.assign({ queuedAt: event.at, offer: null, agent: null, transfer: null });
      // `at` is when the timer is due; the server re-stamps it with the delivery time.
      const due = { type: 'ANSWER_OVERDUE' as const, at: addMs(event.at, context.answerTargetMs) };
      enqueue.raise(due, { delay: context.answerTargetMs, id: CALL_TIMERS.answerTarget });
    }),
    offer: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'OFFER');
      enqueue.assign({ offer: { agentId: event.agentId, username: event.username, offeredAt: event.at } });
      const timeout = { type: 'OFFER_TIMEOUT' as const, agentId: event.agentId, at: addMs(event.at, context.offerTimeoutMs) };
      enqueue.raise(timeout, { delay: context.offerTimeoutMs, id: CALL_TIMERS.offer });
    }),
    missOffer: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, ['OFFER_TIMEOUT', 'DECLINE']);
      const missed = { agentId: event.agentId, offeredAt: context.offer!.offeredAt, endedAt: event.at, reason: event.type === 'DECLINE' ? 'declined' as const : 'timeout' as const };
      enqueue.assign({ offer: null, missedOffers: [...context.missedOffers, missed] });
      if (event.type === 'DECLINE') enqueue.cancel(CALL_TIMERS.offer);
    }),
    flagAnswerOverdue: assign(({ context, event }) => ({
      alerts: [...context.alerts, { id: `answer_overdue-${context.alerts.length + 1}`, kind: 'answer_overdue' as const, raisedAt: event.at }],
    })),
    answer: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'ANSWER');
      if (context.offer) enqueue.cancel(CALL_TIMERS.offer);
      enqueue.cancel(CALL_TIMERS.answerTarget);
      enqueue.assign({ agent: { agentId: event.agentId, username: event.username }, offer: null, answeredAt: context.answeredAt ?? event.at });
    }),
    connect: assign(({ event }) => ({ answeredAt: event.at })),
    mediaUp: assign(({ event }) => ({ mediaUpAt: event.at })),
    startTransfer: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'TRANSFER');
      const from = context.agent!;
      enqueue.assign({ transfer: { mode: event.mode, target: event.target, from, startedAt: event.at, targetAnsweredAt: null } });
      if (event.mode === 'blind' && event.target.kind === 'agent') {
        // The transferor is free at once; the target has the offer time to pick it up.
        enqueue.assign({ agent: null });
        enqueue.raise({ type: 'TRANSFER_TIMEOUT', at: addMs(event.at, context.offerTimeoutMs) }, { delay: context.offerTimeoutMs, id: CALL_TIMERS.transfer });
      }
    }),
    targetAnswered: assign(({ context, event }) => ({ transfer: { ...context.transfer!, targetAnsweredAt: event.at } })),
    handOver: enqueueActions(({ context, enqueue }) => {
      const target = context.transfer!.target;
      if (target.kind === 'agent') enqueue.assign({ agent: { agentId: target.agentId, username: target.username } });
      enqueue.assign({ transfer: null });
      enqueue.cancel(CALL_TIMERS.transfer);
    }),
    takeBack: assign(({ context }) => ({ agent: context.transfer!.from, transfer: null })),
    transferOut: assign(({ event }) => ({ transfer: null, outcome: 'transferred' as const, endedAt: event.at, endedBy: 'agent' as const, endReason: 'transferred out' })),
    addParty: assign(({ context, event }) => {
      assertEvent(event, 'CONFERENCE_ADD');
      return { conference: [...context.conference, event.party] };
    }),
    removeParty: assign(({ context, event }) => {
      assertEvent(event, 'CONFERENCE_LEAVE');
      return { conference: context.conference.filter((p) => partyId(p) !== event.partyId) };
    }),
    proposeLocation: assign(({ event }) => {
      assertEvent(event, 'LOCATION_PROPOSED');
      return { proposedLocation: { ...event.location, at: event.at } };
    }),
    confirmLocation: assign(({ event }) => {
      assertEvent(event, 'LOCATION_CONFIRM');
      return { confirmedLocation: { ...event.location, at: event.at } };
    }),
    linkIncident: assign(({ event }) => {
      assertEvent(event, 'LINK_INCIDENT');
      return { incidentId: event.incidentId };
    }),
    abandon: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'END');
      if (context.offer) enqueue.cancel(CALL_TIMERS.offer);
      enqueue.cancel(CALL_TIMERS.answerTarget);
      enqueue.assign({ offer: null, outcome: 'abandoned', endedAt: event.at, endedBy: event.by, endReason: event.reason });
    }),
    endCall: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'END');
      if (context.transfer) enqueue.cancel(CALL_TIMERS.transfer);
      const outcome = context.answeredAt === null ? 'no_answer' as const : 'completed' as const;
      enqueue.assign({ outcome, transfer: null, endedAt: event.at, endedBy: event.by, endReason: event.reason });
    }),
    recordCallback: assign(({ context, event }) => {
      assertEvent(event, 'CALLBACK');
      return { callbacks: [...context.callbacks, { callId: event.callbackCallId, by: event.by, at: event.at }] };
    }),
    pressDigit: assign(({ context, event }) => {
      assertEvent(event, 'DTMF');
      const digit = { digit: event.digit, via: event.via, durationMs: Number.isFinite(event.durationMs) ? event.durationMs : null, at: event.at };
      return { digits: [...(context.digits ?? []), digit].slice(-MAX_CALL_DIGITS) };
    }),
    recordingEvent: assign(({ context, event }) => {
      assertEvent(event, ['RECORDING_STARTED', 'RECORDING_STORED', 'RECORDING_FAILED']);
      return { recordings: applyRecording(context.recordings, event) };
    }),
    resolve: assign(({ event }) => {
      assertEvent(event, 'RESOLVE');
      return { resolution: event.reason };
    }),
  },
}).createMachine({
  id: 'call',
  initial: 'ringing',
  // Pure transition() builds a throwaway actor without input: an empty context, not a throw.
  context: ({ input }) => (input ? initialCallContext(input) : ({} as CallContext)),
  states: {
    ringing: {
      on: {
        ...onLine,
        ENQUEUE: { target: 'queued', guard: 'inbound', actions: 'enqueue' },
        CONNECTED: { target: 'answered', guard: 'outbound', actions: 'connect' },
        END: [
          { target: 'abandoned', guard: and(['inbound', 'hasEndReason']), actions: 'abandon' },
          endConnected,
        ],
      },
    },
    queued: { on: { ...waiting, OFFER: { target: 'offered', guard: 'isAgent', actions: 'offer' } } },
    offered: {
      on: {
        ...waiting,
        OFFER_TIMEOUT: { target: 'queued', guard: 'offeredTo', actions: 'missOffer' },
        DECLINE: { target: 'queued', guard: 'offeredTo', actions: 'missOffer' },
      },
    },
    answered: {
      on: {
        ...onLine,
        HOLD: 'held',
        TRANSFER: transfer,
        CONFERENCE_ADD: { target: 'conferenced', guard: 'newParty', actions: 'addParty' },
        END: endConnected,
      },
    },
    held: { on: { ...onLine, RESUME: 'answered', TRANSFER: transfer, END: endConnected } },
    transferring: {
      on: {
        ...onLine,
        TRANSFER_ANSWERED: [
          { target: 'answered', guard: 'blindToAgent', actions: ['targetAnswered', 'handOver'] },
          { guard: 'targetNotAnswered', actions: 'targetAnswered' },
        ],
        TRANSFER_COMPLETE: [
          { target: 'ended', guard: 'transferToNumber', actions: ['transferOut'] },
          { target: 'answered', guard: 'agentTargetAnswered', actions: 'handOver' },
        ],
        TRANSFER_CANCEL: { target: 'answered', guard: 'canTakeBack', actions: 'takeBack' },
        TRANSFER_TIMEOUT: { target: 'queued', guard: 'blindToAgent', actions: 'enqueue' },
        END: endConnected,
      },
    },
    conferenced: {
      on: {
        ...onLine,
        CONFERENCE_ADD: { guard: 'newParty', actions: 'addParty' },
        CONFERENCE_LEAVE: [
          { target: 'answered', guard: 'lastToLeave', actions: 'removeParty' },
          { guard: 'inConference', actions: 'removeParty' },
        ],
        END: endConnected,
      },
    },
    abandoned: {
      on: {
        ...recordingEvents,
        LOCATION_CONFIRM: onLine.LOCATION_CONFIRM,
        LINK_INCIDENT: onLine.LINK_INCIDENT,
        CALLBACK: { guard: 'validCallback', actions: 'recordCallback' },
        RESOLVE: { target: 'ended', guard: 'hasResolution', actions: 'resolve' },
      },
    },
    // Not final: a leg's recording is stored after the call ended (its hash joins the chain).
    ended: { on: { ...recordingEvents } },
  },
});
