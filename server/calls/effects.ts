/**
 * The SIP side effects call commands write to the outbox, executed by this node's SIP bridge
 * on its in-memory call legs: answer the INVITE with a PlainTransport's SDP, re-INVITE for
 * hold and resume, BYE or a final response to hang up, an INVITE to a phone for a callback.
 *
 * Handlers run inside the outbox transaction; on PGlite that is the only connection, so a
 * handler must not wait for anything that queries the database. Each one starts the SIP work
 * on the next turn of the event loop and returns; what the phone does next comes back as new
 * commands from the bridge (`call.media.up`, `call.ended`). A retried outbox row would
 * answer or hang up twice, so failures are logged, not thrown.
 *
 * With several nodes the leg may be on another node than the one whose worker claimed the
 * row: every effect on a leg goes through the `LegRouter` (./leg-routing.ts), which runs it
 * here when the leg is here (once per outbox row) and otherwise sends it to the node that
 * holds it, or ends the call as a failure when no node does.
 */
import type { Logger } from '../log';
import type { OutboxHandler } from '../workers/outbox';
import type { MediaService } from '../../media/MediaService';
import type { SipMediaListen } from '../../media/sip/SipCall';
import { callRoomId, type SipBridge } from './sip-bridge';
import type { LegRouter } from './leg-routing';

/** Every `sip.call.*` outbox action and its parameters (all carry `callId` and `sipCallId`). */
export const SIP_CALL_ACTIONS = {
  'sip.call.answer': 'agentId, username: connect the caller to this agent',
  'sip.call.hold': 'put the caller on hold (re-INVITE a=sendonly)',
  'sip.call.resume': 'take the caller off hold',
  'sip.call.transfer': 'mode (blind | attended), target (agent or number)',
  'sip.call.transfer.complete': 'attended: join the caller to the consulted party',
  'sip.call.transfer.cancel': 'attended: drop the consultation, back to the transferor',
  'sip.call.conference.add': 'party: add to the call (media/ mixes for phones)',
  'sip.call.conference.remove': 'partyId: drop from the call',
  'sip.call.hangup': 'BYE to the caller',
  'sip.call.dial': 'number, agentId, line: an outbound call (a dispatcher dials, or calls back)',
} as const;

type SipAction = keyof typeof SIP_CALL_ACTIONS;

/** Placeholder handlers: logged and marked done (a node without a SIP bridge). */
export function placeholderSipHandlers(log: Logger): Record<string, OutboxHandler> {
  return Object.fromEntries(Object.keys(SIP_CALL_ACTIONS).map((action) => [action, async (params: Record<string, unknown>) => {
    log.debug({ action, callId: params.callId }, 'no SIP bridge bound; call effect recorded only');
  }]));
}

/**
 * The bridge's handlers: every `sip.call.*` action performed on the call's leg, on this node
 * or (routed by `router`) on the node that holds it. The router runs forwarded effects with
 * these same handlers.
 */
export function sipBridgeHandlers(bridge: SipBridge, media: MediaService, listen: SipMediaListen, log: Logger, router: LegRouter): Record<string, OutboxHandler> {
  const onLeg = (action: SipAction, work: (callId: string) => Promise<void>): OutboxHandler => async (params, row) => {
    const callId = String(params.callId);
    if (!router.claim(action, callId, params, row)) return;
    setImmediate(() => void work(callId).catch((err) => log.error({ err, action, callId }, 'SIP call effect failed')));
  };
  const handlers: Record<string, OutboxHandler> = placeholderSipHandlers(log);
  handlers['sip.call.answer'] = onLeg('sip.call.answer', async (callId) => {
    try {
      const room = await media.openRoom(callRoomId(callId));
      if (!room) throw media.unavailable();
      await bridge.leg(callId)?.answer(room, listen);
    } catch (err) {
      // A call taker with a dead line must know: the call ends as failed, the phone is released.
      await bridge.fail(callId, err instanceof Error ? err.message : String(err));
      throw err;
    }
  });
  handlers['sip.call.hold'] = onLeg('sip.call.hold', async (callId) => bridge.leg(callId)?.hold(true));
  handlers['sip.call.resume'] = onLeg('sip.call.resume', async (callId) => bridge.leg(callId)?.hold(false));
  handlers['sip.call.hangup'] = onLeg('sip.call.hangup', async (callId) => bridge.hangup(callId));
  // An outbound call has no leg yet: the bridge makes one.
  handlers['sip.call.dial'] = async (params) => {
    const callId = String(params.callId);
    setImmediate(() => void (async () => {
      const room = await media.openRoom(callRoomId(callId));
      if (!room) throw media.unavailable();
      await bridge.dial(callId, String(params.number), room);
    })().catch((err) => log.error({ err, action: 'sip.call.dial', callId }, 'SIP call effect failed')));
  };
  // Blind to a number: REFER, the caller's phone calls the number itself. Attended to a number:
  // the caller is held and the server calls the number into the call's room (a consultation).
  // To an agent: the caller's leg and room stay as they are (the next agent joins the room);
  // an attended one holds the caller while the agents talk.
  handlers['sip.call.transfer'] = async (params, row) => {
    const target = params.target as { kind: string; number?: string } | undefined;
    const attended = params.mode === 'attended';
    if (target?.kind === 'number') {
      const number = String(target.number);
      return onLeg('sip.call.transfer', (callId) => (attended ? bridge.parties.call(callId, number, 'consult') : bridge.transferToNumber(callId, number)))(params, row);
    }
    if (attended) return onLeg('sip.call.transfer', (callId) => bridge.parties.holdForConsultation(callId))(params, row);
    log.debug({ callId: params.callId }, 'blind transfer to an agent needs no SIP action');
  };
  handlers['sip.call.transfer.complete'] = onLeg('sip.call.transfer.complete', (callId) => bridge.parties.complete(callId));
  handlers['sip.call.transfer.cancel'] = onLeg('sip.call.transfer.cancel', (callId) => bridge.parties.cancel(callId));
  // A number joins the call's room; agents join it from their console (nothing to dial).
  handlers['sip.call.conference.add'] = async (params, row) => {
    const party = params.party as { kind: string; number?: string } | undefined;
    if (party?.kind !== 'number') return;
    return onLeg('sip.call.conference.add', (callId) => bridge.parties.call(callId, String(party.number), 'conference'))(params, row);
  };
  handlers['sip.call.conference.remove'] = async (params, row) =>
    onLeg('sip.call.conference.remove', (callId) => bridge.parties.drop(callId, String(params.partyId)))(params, row);
  router.bind(handlers);
  return handlers;
}
