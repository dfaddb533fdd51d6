/**
 * The pipeline's transitions (./transitions.ts, one actor scope per machine) give exactly what
 * xstate's own pure `transition()` / `initialTransition()` give: the same snapshots, the same
 * actions to execute (timers), and the same snapshot object back for a refused event (how the
 * pipeline tells a refusal). Random walks through the call and agent machines, many events each.
 */
import { initialTransition, transition, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import { callMachine } from '../../state-machines/call';
import { agentMachine } from '../../state-machines/agent';
import { MachineTransitions } from './transitions';

const T0 = Date.parse('2025-03-01T08:00:00.000Z');
const taker = { agentId: 'user:calltaker.police', username: 'calltaker.police' };
const target = { kind: 'agent', agentId: 'user:dispatcher.police', username: 'dispatcher.police' };
const CALL_EVENTS: { type: string; [k: string]: unknown }[] = [
  { type: 'ENQUEUE' }, { type: 'OFFER', ...taker }, { type: 'OFFER_TIMEOUT', agentId: taker.agentId }, { type: 'DECLINE', agentId: taker.agentId },
  { type: 'ANSWER_OVERDUE' }, { type: 'ANSWER', ...taker }, { type: 'CONNECTED' }, { type: 'MEDIA_UP' }, { type: 'HOLD' }, { type: 'RESUME' },
  { type: 'TRANSFER', mode: 'blind', target }, { type: 'TRANSFER', mode: 'attended', target }, { type: 'TRANSFER', mode: 'blind', target: { kind: 'number', number: '119' } },
  { type: 'TRANSFER_ANSWERED' }, { type: 'TRANSFER_COMPLETE' }, { type: 'TRANSFER_CANCEL', reason: 'busy' }, { type: 'TRANSFER_TIMEOUT' },
  { type: 'CONFERENCE_ADD', party: { kind: 'number', number: '120' } }, { type: 'CONFERENCE_LEAVE', partyId: '120' },
  { type: 'DTMF', digit: '5', method: 'rfc4733', pressId: 'p1' }, { type: 'LINK_INCIDENT', incidentId: 'INC-1' },
  { type: 'END', by: 'caller', reason: 'BYE' }, { type: 'END', by: 'agent', reason: 'hung up' }, { type: 'NOT_AN_EVENT' },
];
const AGENT_EVENTS: { type: string; [k: string]: unknown }[] = [
  { type: 'READY' }, { type: 'AWAY', reason: 'break' }, { type: 'AWAY', reason: ' ' }, { type: 'OFFERED', callId: 'C1' },
  { type: 'ANSWERED', callId: 'C1' }, { type: 'ENGAGED', callId: 'C1', as: 'transfer' }, { type: 'ENGAGED', callId: '', as: 'conference' },
];
const CALL_INPUT = {
  direction: 'inbound', sipCallId: 'a@b', callerNumber: '13800138000', callerName: null, line: '110', agencyId: 'police', priority: 1,
  answerTargetMs: 10_000, offerTimeoutMs: 15_000, location: null,
};
const AGENT_INPUT = { agentId: taker.agentId, username: taker.username, agencyId: 'police', role: 'call_taker' };

/** A small deterministic generator (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const persisted = (machine: AnyStateMachine, s: AnyMachineSnapshot) => JSON.stringify(machine.getPersistedSnapshot(s));
const actions = (list: { type: string; params?: unknown }[]) => JSON.stringify(list.map((a) => [a.type, a.params ?? null]));

test.each([
  ['call', callMachine as AnyStateMachine, CALL_INPUT, CALL_EVENTS],
  ['agent', agentMachine as AnyStateMachine, AGENT_INPUT, AGENT_EVENTS],
] as const)('the %s machine: the same snapshots, actions and refusals as xstate', (_name, machine, input, events) => {
  const ours = new MachineTransitions(machine);
  let refusals = 0;
  for (let seed = 1; seed <= 20; seed++) {
    const next = random(seed);
    const start = { ...input, at: new Date(T0).toISOString() };
    const [a0, acts0] = initialTransition(machine, start);
    const [b0, bcts0] = ours.initialTransition(start);
    expect(persisted(machine, b0)).toBe(persisted(machine, a0));
    expect(actions(bcts0)).toBe(actions(acts0 as never));
    let [a, b] = [a0, b0];
    for (let i = 0; i < 60; i++) {
      const event = { ...events[Math.floor(next() * events.length)]!, at: new Date(T0 + (i + 1) * 1000).toISOString() };
      const [a1, actsA] = transition(machine, a, event as never);
      const [b1, actsB] = ours.transition(b, event);
      expect(b1 === b).toBe(a1 === a);
      if (a1 === a) refusals++;
      expect(persisted(machine, b1)).toBe(persisted(machine, a1));
      expect(actions(actsB)).toBe(actions(actsA as never));
      [a, b] = [a1, b1];
    }
  }
  expect(refusals).toBeGreaterThan(0);
});
