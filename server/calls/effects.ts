/**
 * The SIP side effects call commands write to the outbox. The SIP bridge (issue #5, next step)
 * binds real handlers (answer the INVITE with a PlainTransport's SDP, re-INVITE for hold,
 * REFER for transfers, BYE, dial out); until then each is logged and marked done, so the
 * outbox does not retry actions nobody can perform.
 */
import type { Logger } from '../log';
import type { OutboxHandler } from '../workers/outbox';

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
  'sip.call.dial': 'number, agentId, line: an outbound call (callbacks)',
} as const;

/** Placeholder handlers until the SIP bridge is wired in. */
export function placeholderSipHandlers(log: Logger): Record<string, OutboxHandler> {
  return Object.fromEntries(Object.keys(SIP_CALL_ACTIONS).map((action) => [action, async (params: Record<string, unknown>) => {
    log.debug({ action, callId: params.callId }, 'no SIP bridge bound; call effect recorded only');
  }]));
}
