/** The sip.js crash guard: a BYE before the ACK must not end the process 32 s later. */
import { Invitation, SessionState } from 'sip.js';
import { installSipJsPlatform, PingingWebSocket } from './node-platform';

installSipJsPlatform();
const ackTimeout = (state: SessionState) => {
  const invitation = Object.create(Invitation.prototype) as Invitation;
  Object.defineProperty(invitation, 'state', { value: state });
  Object.defineProperty(invitation, 'logger', { value: { log: () => undefined } });
  return () => (Invitation.prototype as unknown as { onAckTimeout(this: Invitation): void }).onAckTimeout.call(invitation);
};

test('the ACK timeout of a session a BYE already terminated does nothing', () => {
  expect(ackTimeout(SessionState.Terminated)).not.toThrow();
});

test('the ACK timeout of a live session still runs sip.js own handling', () => {
  // No dialog in this bare object: sip.js's own code ran (and threw) — the guard only skips terminated sessions.
  expect(ackTimeout(SessionState.Established)).toThrow('Dialog undefined.');
});

test('sip.js gets the pinging ws client as its global WebSocket', () => {
  expect((globalThis as { WebSocket?: unknown }).WebSocket).toBe(PingingWebSocket);
});
