/**
 * Types and pure helpers of the call machine (`call.ts` re-exports all of them). Kept apart
 * so the machine file stays a readable picture of a call's life.
 */
import { hasText, type Stamped } from './common';
import type { MediaRecording, RecordingEvent } from './recordings';

/** Stored names of the call states (part of the persisted schema: do not rename). */
export type CallState =
  | 'ringing'
  | 'queued'
  | 'offered'
  | 'answered'
  | 'held'
  | 'transferring'
  | 'conferenced'
  | 'abandoned'
  | 'ended';

/** States in which a call is still in someone's hands or in the queue (not ended). */
export const LIVE_CALL_STATES: readonly CallState[] = ['ringing', 'queued', 'offered', 'answered', 'held', 'transferring', 'conferenced'];

/** States in which a dispatcher holds the call (the agent is busy with it). */
export const CONNECTED_CALL_STATES: readonly CallState[] = ['answered', 'held', 'transferring', 'conferenced'];

/**
 * The agents a call keeps busy: offered it, holding it (or an outbound call ringing for them),
 * having it transferred to them, in conference on it. None once it is no longer live.
 */
export function agentsBusyWith(call: Pick<CallContext, 'offer' | 'agent' | 'transfer' | 'conference'> & { state: string }): string[] {
  if (!(LIVE_CALL_STATES as readonly string[]).includes(call.state)) return [];
  const busy = new Set<string>();
  if (call.offer) busy.add(call.offer.agentId);
  if (call.agent && ((CONNECTED_CALL_STATES as readonly string[]).includes(call.state) || call.state === 'ringing')) busy.add(call.agent.agentId);
  if (call.transfer?.target.kind === 'agent') busy.add(call.transfer.target.agentId);
  for (const p of call.conference) if (p.kind === 'agent') busy.add(p.agentId);
  return [...busy];
}

/** Inbound: a caller rang a configured line. Outbound: a dispatcher calls out (a callback). */
export type CallDirection = 'inbound' | 'outbound';

/** A caller's position: from the INVITE's PIDF-LO (proposed) or as a dispatcher confirmed it. */
export interface CallerLocation {
  lat: number;
  lon: number;
  /** Uncertainty radius in metres, when the location object gives one. */
  radiusM: number | null;
  /** PIDF-LO `<method>` (GPS, Cell, Wifi, Manual...), or `dispatcher` for a location typed in. */
  method: string | null;
  at: string;
}

/** A call taker or dispatcher, by actor id (`user:<username>`) and username. */
export interface CallAgent {
  agentId: string;
  username: string;
}

/** Another party a call can be handed to or joined with. */
export type CallParty = ({ kind: 'agent' } & CallAgent) | { kind: 'number'; number: string };

/** A transfer in progress. Blind: the transferor lets go at once; attended: consults first. */
export interface CallTransfer {
  mode: 'blind' | 'attended';
  target: CallParty;
  /** The agent who started it (for a blind transfer to an agent, no longer on the call). */
  from: CallAgent;
  startedAt: string;
  targetAnsweredAt: string | null;
}

/** A condition the queue supervisor must see: a call waiting longer than its line's target. */
export interface CallAlert {
  id: string;
  kind: 'answer_overdue';
  raisedAt: string;
}

/** An offer an agent did not take. */
export interface MissedOffer {
  agentId: string;
  offeredAt: string;
  endedAt: string;
  reason: 'timeout' | 'declined';
}

/** A callback dialled for an abandoned call. */
export interface CallbackAttempt {
  callId: string;
  by: string;
  at: string;
}

/** A DTMF digit the caller pressed (RFC 4733 telephone-event or SIP INFO). */
export interface CallDigit {
  digit: string;
  via: 'rfc4733' | 'info';
  /** Tone length the phone reported (RFC 4733 end packet's duration), when it did. */
  durationMs: number | null;
  at: string;
}

/** At most this many digits are kept on a call (the log keeps every one). */
export const MAX_CALL_DIGITS = 64;

/** A digit is one of 0-9 * # A-D (RFC 4733 events 0-15). */
export const DTMF_DIGIT = /^[0-9*#A-D]$/;

export type CallOutcome = 'completed' | 'abandoned' | 'transferred' | 'no_answer';

/** What a call is from its first ring: who rings which line, and the line's queue settings. */
export interface CallLine {
  direction: CallDirection;
  /** SIP Call-ID of the caller's dialog, when the call came over SIP. */
  sipCallId: string | null;
  callerNumber: string;
  callerName: string | null;
  /** The dialled line (110, 119, 120, 12345) whose queue the call enters. */
  line: string;
  agencyId: string;
  /** Queue priority of the line, 1 the most urgent. */
  priority: number;
  answerTargetMs: number;
  offerTimeoutMs: number;
}

/** Input of a new call (from the SIP bridge's `call.offered`, or a dispatcher's callback). */
export interface CallInput extends CallLine {
  at: string;
  /** PIDF-LO location of the INVITE: proposed, never used before a dispatcher confirms it. */
  location?: Omit<CallerLocation, 'at'> | null;
  /** Outbound callbacks: the dispatcher who dials, and the abandoned call it answers. */
  agent?: CallAgent | null;
  callbackOf?: string | null;
}

export interface CallContext extends CallLine {
  createdAt: string;
  /** When the call (last) entered the queue: waiting time counts from here. */
  queuedAt: string | null;
  answeredAt: string | null;
  endedAt: string | null;
  offer: (CallAgent & { offeredAt: string }) | null;
  /** The agent who has the call (answered, held, transferring attended, conferenced). */
  agent: CallAgent | null;
  transfer: CallTransfer | null;
  /** Parties joined to the call besides the caller and `agent`. */
  conference: CallParty[];
  mediaUpAt: string | null;
  proposedLocation: CallerLocation | null;
  confirmedLocation: CallerLocation | null;
  incidentId: string | null;
  alerts: CallAlert[];
  missedOffers: MissedOffer[];
  outcome: CallOutcome | null;
  endedBy: 'caller' | 'agent' | 'system' | null;
  endReason: string | null;
  callbackOf: string | null;
  callbacks: CallbackAttempt[];
  /** Why an abandoned call needs no more callbacks (reached, or dismissed with a reason). */
  resolution: string | null;
  /** Recordings of the call's legs (the caller, each agent), with their files' hashes. */
  recordings: MediaRecording[];
  /** Digits the caller pressed, oldest first (the last MAX_CALL_DIGITS). */
  digits: CallDigit[];
}

/** Events a call accepts; every one is stamped with `at` by the server. */
export type CallEvent = Stamped &
  (
    | { type: 'ENQUEUE' }
    | ({ type: 'OFFER' } & CallAgent)
    | { type: 'OFFER_TIMEOUT'; agentId: string }
    | { type: 'DECLINE'; agentId: string }
    | { type: 'ANSWER_OVERDUE' }
    | ({ type: 'ANSWER' } & CallAgent)
    | { type: 'CONNECTED' }
    | { type: 'MEDIA_UP' }
    | { type: 'HOLD' }
    | { type: 'RESUME' }
    | { type: 'TRANSFER'; mode: 'blind' | 'attended'; target: CallParty }
    | { type: 'TRANSFER_ANSWERED' }
    | { type: 'TRANSFER_COMPLETE' }
    | { type: 'TRANSFER_CANCEL'; reason: string }
    | { type: 'TRANSFER_TIMEOUT' }
    | { type: 'CONFERENCE_ADD'; party: CallParty }
    | { type: 'CONFERENCE_LEAVE'; partyId: string }
    | { type: 'LOCATION_PROPOSED'; location: Omit<CallerLocation, 'at'> }
    | { type: 'LOCATION_CONFIRM'; location: Omit<CallerLocation, 'at'>; by: string }
    | { type: 'LINK_INCIDENT'; incidentId: string }
    | { type: 'END'; by: 'caller' | 'agent' | 'system'; reason: string }
    | { type: 'CALLBACK'; callbackCallId: string; by: string }
    | { type: 'RESOLVE'; reason: string; by: string }
    | { type: 'DTMF'; digit: string; via: 'rfc4733' | 'info'; durationMs: number | null }
  )
  | RecordingEvent;

/** Ids of the call's delayed raises (cancelled by these ids). */
export const CALL_TIMERS = { answerTarget: 'answer-target', offer: 'offer', transfer: 'transfer' } as const;

/** Context of a new call. */
export function initialCallContext(input: CallInput): CallContext {
  const loc = input.location;
  return {
    direction: input.direction, sipCallId: input.sipCallId, callerNumber: input.callerNumber, callerName: input.callerName,
    line: input.line, agencyId: input.agencyId, priority: input.priority,
    answerTargetMs: input.answerTargetMs, offerTimeoutMs: input.offerTimeoutMs,
    createdAt: input.at, queuedAt: null, answeredAt: null, endedAt: null,
    offer: null, agent: input.agent ?? null, transfer: null, conference: [], mediaUpAt: null,
    proposedLocation: loc ? { ...loc, at: input.at } : null, confirmedLocation: null, incidentId: null,
    alerts: [], missedOffers: [], outcome: null, endedBy: null, endReason: null,
    callbackOf: input.callbackOf ?? null, callbacks: [], resolution: null, recordings: [], digits: [],
  };
}

/** The id a party is known by in a conference (agent id or number). */
export function partyId(party: CallParty): string {
  return party.kind === 'agent' ? party.agentId : party.number;
}

/** True for a well-formed party. */
export function isParty(party: unknown): party is CallParty {
  const p = party as Partial<CallParty> | null;
  if (!p) return false;
  if (p.kind === 'agent') return hasText(p.agentId) && hasText(p.username);
  return p.kind === 'number' && hasText(p.number);
}

/** True for a location with finite coordinates in range. */
export function isLocation(loc: unknown): loc is Omit<CallerLocation, 'at'> {
  const l = loc as Partial<CallerLocation> | null;
  return !!l && Number.isFinite(l.lat) && Number.isFinite(l.lon) && Math.abs(l.lat!) <= 90 && Math.abs(l.lon!) <= 180;
}

/** How long a call has waited in the queue at time `at` (ms; 0 when not queued). */
export function waitingMs(ctx: Pick<CallContext, 'queuedAt'>, at: string): number {
  return ctx.queuedAt ? Math.max(0, Date.parse(at) - Date.parse(ctx.queuedAt)) : 0;
}
