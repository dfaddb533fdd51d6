/**
 * Call commands (issue #5): what call takers and dispatchers do with phone calls, and what the
 * SIP bridge reports as a system actor. Members of the `command` union in `commands.ts`.
 *
 * SIP bridge contract: `call.offered` for an INVITE to a configured line (answered with the
 * new call's id as `createdId`; use a command id derived from the SIP Call-ID so a
 * retransmitted INVITE is offered once), `call.media.up` once RTP flows, `call.connected`
 * when the far end of an outbound call answers, `call.location.proposed` for a later PIDF-LO,
 * `call.transfer.progress` for REFER / consultation outcomes and `call.ended` for BYE, CANCEL
 * or a failure. A `rejected_by_state_machine` reply to `call.ended` means the call had already
 * ended here (a dispatcher hung up first): not an error for the bridge.
 */
import { z } from 'zod';
import { commandId, id, latLon, text } from './common';

const base = { commandId };
const callRef = { ...base, callId: id };

/** A dialled or calling number as SIP carries it (`anonymous` for a withheld caller id). */
export const phoneNumber = z.string().min(1).max(64).regex(/^[A-Za-z0-9+*#._@-]+$/, 'must be a phone number or SIP user part');

/** Where a call is handed or who joins it: another call taker or dispatcher, or a number. */
export const callTarget = z.union([
  z.object({ username: z.string().min(1).max(100) }),
  z.object({ number: phoneNumber }),
]);

/** A caller location from a PIDF-LO body (RFC 4119 / 5491): point, optional circle radius and method. */
export const pidfLocation = latLon.extend({
  radiusM: z.number().min(0).max(100_000).optional(),
  method: z.string().trim().min(1).max(40).optional(),
});

/** Commands of call takers and dispatchers. */
const agentCommands = [
  /** Ready for calls from the ACD queue of the actor's agency. */
  z.object({ type: z.literal('call.agent.ready'), ...base }),
  z.object({ type: z.literal('call.agent.away'), ...base, reason: text }),
  /** Takes an offered or waiting call (or a call transferred to the actor). */
  z.object({ type: z.literal('call.answer'), ...callRef }),
  z.object({ type: z.literal('call.decline'), ...callRef }),
  z.object({ type: z.literal('call.hold'), ...callRef }),
  z.object({ type: z.literal('call.resume'), ...callRef }),
  z.object({ type: z.literal('call.transfer'), ...callRef, mode: z.enum(['blind', 'attended']), to: callTarget }),
  /** Attended transfers: hand the caller to the consulted party, or take the caller back. */
  z.object({ type: z.literal('call.transfer.complete'), ...callRef }),
  z.object({ type: z.literal('call.transfer.cancel'), ...callRef, reason: text }),
  z.object({ type: z.literal('call.conference.add'), ...callRef, to: callTarget }),
  z.object({ type: z.literal('call.conference.remove'), ...callRef, to: callTarget }),
  z.object({ type: z.literal('call.hangup'), ...callRef }),
  /** Confirms the caller's location: the proposed PIDF-LO one, or `location` as the caller told it. */
  z.object({ type: z.literal('call.location.confirm'), ...callRef, location: latLon.optional() }),
  /** Creates an incident from the call and links them, in one command. */
  z.object({
    type: z.literal('call.incident.create'), ...callRef,
    incidentType: id, priority: z.number().int().min(1).max(4), description: text,
    address: z.string().trim().max(300).optional(),
    /** Defaults to the call's confirmed caller location. */
    location: latLon.optional(),
  }),
  z.object({ type: z.literal('call.incident.join'), ...callRef, incidentId: id }),
  /** Calls an abandoned caller back (a new outbound call, recorded on the abandoned one). */
  z.object({ type: z.literal('call.callback'), ...callRef }),
  /** No more callbacks needed (reached, or why not). */
  z.object({ type: z.literal('call.callback.resolve'), ...callRef, reason: text }),
  /**
   * An outbound call from the dispatcher's console: a registered field phone (its SIP user) or
   * an outside number through the trunk. `line` is whose behalf it is on (default: the agency's first line).
   */
  z.object({ type: z.literal('call.dial'), ...base, number: phoneNumber, line: z.string().min(1).max(32).optional() }),
] as const;

/** Commands only the SIP bridge (a system actor) sends. */
const bridgeCommands = [
  z.object({
    type: z.literal('call.offered'), ...base,
    sipCallId: z.string().min(1).max(256), callerNumber: phoneNumber, callerName: z.string().trim().max(100).optional(),
    /** The dialled line (the request URI's user part). */
    line: phoneNumber,
    location: pidfLocation.optional(),
  }),
  z.object({ type: z.literal('call.media.up'), ...callRef }),
  z.object({ type: z.literal('call.connected'), ...callRef }),
  z.object({ type: z.literal('call.location.proposed'), ...callRef, location: pidfLocation }),
  /** A digit the caller pressed: RFC 4733 telephone-event (end packet) or SIP INFO (application/dtmf-relay). */
  z.object({
    type: z.literal('call.dtmf'), ...callRef, digit: z.string().regex(/^[0-9*#A-D]$/, 'must be one of 0-9 * # A-D'),
    via: z.enum(['rfc4733', 'info']), durationMs: z.number().int().min(0).max(60_000).optional(),
  }),
  z.object({
    type: z.literal('call.transfer.progress'), ...callRef,
    outcome: z.enum(['answered', 'completed', 'failed']), sipReason: z.string().max(200).optional(),
  }),
  /** A phone the server called into the call (a conference party) hung up or could not be reached. */
  z.object({ type: z.literal('call.party.left'), ...callRef, number: phoneNumber, sipReason: z.string().max(200).optional() }),
  z.object({
    type: z.literal('call.ended'), ...callRef,
    /** hangup: BYE from the caller; cancel: CANCEL before an answer; failure: an error response or timeout. */
    cause: z.enum(['hangup', 'cancel', 'failure']),
    sipStatus: z.number().int().min(100).max(699).optional(), sipReason: z.string().max(200).optional(),
  }),
] as const;

/** Every call command schema, to spread into the `command` union. */
export const callCommands = [...agentCommands, ...bridgeCommands] as const;
