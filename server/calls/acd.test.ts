/**
 * The ACD starts a distribution pass only on events that can make an offer possible; a name
 * that no longer matches what the call and agent machines emit would silently stop offers.
 */
import { DISTRIBUTING_EVENTS } from './acd';
import { AGENT_EVENTS, CALL_EVENTS } from './kind';

test('every event the ACD distributes on is one the call and agent aggregates emit', () => {
  const emitted = new Set([...Object.values(CALL_EVENTS), ...Object.values(AGENT_EVENTS)]);
  expect([...DISTRIBUTING_EVENTS].filter((name) => !emitted.has(name))).toEqual([]);
});

test('a call entering the queue and an agent getting ready or free distribute; media, digits and recordings do not', () => {
  for (const name of ['call.queued', 'call.offer.expired', 'call.ended', 'call.transfer.started', 'agent.ready']) expect(DISTRIBUTING_EVENTS.has(name)).toBe(true);
  for (const name of ['call.media.up', 'call.dtmf.received', 'call.recording.stored', 'call.offer.made', 'agent.offered', 'call.location.proposed']) expect(DISTRIBUTING_EVENTS.has(name)).toBe(false);
});
