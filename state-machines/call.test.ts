import { getShortestPaths } from '@xstate/graph';
import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import { CALL_TIMERS, LIVE_CALL_STATES, callMachine, waitingMs, type CallEvent, type CallInput, type CallState } from './call';
import { restoreSnapshot } from './common';
import { cancelledTimers, delayedRaises, replayPath, type TimerAction } from './path-replay';

type CallSnapshot = SnapshotFrom<typeof callMachine>;
type Step = [CallSnapshot, TimerAction[]];

const T0 = '2025-03-01T08:00:00.000Z';
const at = (second: number) => new Date(Date.parse(T0) + second * 1000).toISOString();
const ANSWER_MS = 10_000;
const OFFER_MS = 15_000;

const input: CallInput = {
  at: T0, direction: 'inbound', sipCallId: 'a84b4c76e66710@pc33.example', callerNumber: '13800138000', callerName: null,
  line: '110', agencyId: 'police', priority: 1, answerTargetMs: ANSWER_MS, offerTimeoutMs: OFFER_MS,
  location: { lat: 30.26, lon: 120.16, radiusM: 35, method: 'GPS' },
};
const taker = { agentId: 'user:calltaker.police', username: 'calltaker.police' };
const other = { agentId: 'user:dispatcher.police', username: 'dispatcher.police' };

const fresh = (over: Partial<CallInput> = {}): CallSnapshot => initialTransition(callMachine, { ...input, ...over })[0];

function step(snapshot: CallSnapshot, event: CallEvent): Step {
  const [next, actions] = transition(callMachine, snapshot, event);
  if (next === snapshot) throw new Error(`${event.type} refused in ${String(snapshot.value)}`);
  return [next, actions as TimerAction[]];
}
const run = (snapshot: CallSnapshot, ...events: CallEvent[]) => events.reduce((s, e) => step(s, e)[0], snapshot);
const refuses = (snapshot: CallSnapshot, event: CallEvent) => transition(callMachine, snapshot, event)[0] === snapshot;

const enqueue = (s: number): CallEvent => ({ type: 'ENQUEUE', at: at(s) });
const offer = (s: number, agent = taker): CallEvent => ({ type: 'OFFER', ...agent, at: at(s) });
const answer = (s: number, agent = taker): CallEvent => ({ type: 'ANSWER', ...agent, at: at(s) });
const end = (s: number, by: 'caller' | 'agent' | 'system', reason = 'BYE'): CallEvent => ({ type: 'END', by, reason, at: at(s) });
const answered = () => run(fresh(), enqueue(0), offer(1), answer(3));

describe('call machine: the ACD queue', () => {
  test('a call on 110 enters the queue and arms its answer target', () => {
    const [queued, actions] = step(fresh(), enqueue(0));
    expect(queued.value).toBe('queued');
    expect(queued.context).toMatchObject({ queuedAt: at(0), agencyId: 'police', line: '110' });
    expect(delayedRaises(actions)).toEqual([expect.objectContaining({
      params: expect.objectContaining({ id: CALL_TIMERS.answerTarget, delay: ANSWER_MS, event: { type: 'ANSWER_OVERDUE', at: at(10) } }),
    })]);
    expect(waitingMs(queued.context, at(7))).toBe(7000);
  });

  test('an offer a call taker does not take within the offer time goes back to the queue', () => {
    const [offered, armed] = step(run(fresh(), enqueue(0)), offer(1));
    expect(offered.context.offer).toEqual({ ...taker, offeredAt: at(1) });
    const [timer] = delayedRaises(armed);
    expect(timer?.params).toMatchObject({ id: CALL_TIMERS.offer, delay: OFFER_MS, event: { type: 'OFFER_TIMEOUT', agentId: taker.agentId } });
    // A stale timeout for another agent is ignored.
    expect(refuses(offered, { type: 'OFFER_TIMEOUT', agentId: other.agentId, at: at(16) })).toBe(true);
    const back = run(offered, { type: 'OFFER_TIMEOUT', agentId: taker.agentId, at: at(16) });
    expect(back.value).toBe('queued');
    expect(back.context).toMatchObject({ offer: null, queuedAt: at(0) });
    expect(back.context.missedOffers).toEqual([{ agentId: taker.agentId, offeredAt: at(1), endedAt: at(16), reason: 'timeout' }]);
  });

  test('a declined offer goes back to the queue and cancels the offer timer', () => {
    const [back, actions] = step(run(fresh(), enqueue(0), offer(1)), { type: 'DECLINE', agentId: taker.agentId, at: at(2) });
    expect(back.value).toBe('queued');
    expect(cancelledTimers(actions)).toEqual([CALL_TIMERS.offer]);
    expect(back.context.missedOffers[0]?.reason).toBe('declined');
  });

  test('a call waiting past its answer target raises an alert; answering cancels both timers', () => {
    const offered = run(fresh(), enqueue(0), offer(1));
    const late = run(offered, { type: 'ANSWER_OVERDUE', at: at(10) });
    expect(late.value).toBe('offered');
    expect(late.context.alerts).toEqual([{ id: 'answer_overdue-1', kind: 'answer_overdue', raisedAt: at(10) }]);
    const [taken, actions] = step(late, answer(12));
    expect(taken.value).toBe('answered');
    expect(taken.context).toMatchObject({ agent: taker, offer: null, answeredAt: at(12) });
    expect(cancelledTimers(actions).sort()).toEqual([CALL_TIMERS.answerTarget, CALL_TIMERS.offer].sort());
    expect(refuses(taken, { type: 'ANSWER_OVERDUE', at: at(13) })).toBe(true);
  });

  test('a dispatcher may pick a waiting call straight from the queue', () => {
    const [taken, actions] = step(run(fresh(), enqueue(0)), answer(4, other));
    expect(taken.context.agent).toEqual(other);
    expect(cancelledTimers(actions)).toEqual([CALL_TIMERS.answerTarget]);
    // A call still ringing at the edge is not in the queue yet: nobody can take it.
    expect(refuses(fresh(), answer(1))).toBe(true);
  });
});

describe('call machine: with a dispatcher', () => {
  test('hold and resume keep the agent; hanging up ends the call completed', () => {
    const held = run(answered(), { type: 'HOLD', at: at(5) });
    expect(held.value).toBe('held');
    expect(refuses(held, { type: 'HOLD', at: at(6) })).toBe(true);
    const back = run(held, { type: 'RESUME', at: at(7) }, { type: 'MEDIA_UP', at: at(8) });
    expect(back.value).toBe('answered');
    expect(back.context).toMatchObject({ agent: taker, mediaUpAt: at(8) });
    const done = run(back, end(60, 'agent', 'hung up by dispatcher'));
    expect(done.value).toBe('ended');
    expect(done.context).toMatchObject({ outcome: 'completed', endedBy: 'agent', endedAt: at(60) });
  });

  test('a blind transfer to another dispatcher frees the transferor; the target answers and has the call', () => {
    const [moving, actions] = step(answered(), { type: 'TRANSFER', mode: 'blind', target: { kind: 'agent', ...other }, at: at(20) });
    expect(moving.value).toBe('transferring');
    expect(moving.context.agent).toBeNull();
    expect(moving.context.transfer).toMatchObject({ mode: 'blind', from: taker, targetAnsweredAt: null });
    expect(delayedRaises(actions)[0]?.params).toMatchObject({ id: CALL_TIMERS.transfer, delay: OFFER_MS });
    expect(refuses(moving, { type: 'TRANSFER_CANCEL', reason: 'changed my mind', at: at(21) })).toBe(true);
    const [taken, done] = step(moving, { type: 'TRANSFER_ANSWERED', at: at(24) });
    expect(taken.value).toBe('answered');
    expect(taken.context).toMatchObject({ agent: other, transfer: null, answeredAt: at(3) });
    expect(cancelledTimers(done)).toEqual([CALL_TIMERS.transfer]);
  });

  test('a blind transfer nobody takes goes back to the queue with a fresh answer target', () => {
    const moving = run(answered(), { type: 'TRANSFER', mode: 'blind', target: { kind: 'agent', ...other }, at: at(20) });
    const [queued, actions] = step(moving, { type: 'TRANSFER_TIMEOUT', at: at(35) });
    expect(queued.value).toBe('queued');
    expect(queued.context).toMatchObject({ agent: null, transfer: null, queuedAt: at(35) });
    expect(delayedRaises(actions)[0]?.params).toMatchObject({ id: CALL_TIMERS.answerTarget });
  });

  test('an attended transfer consults the target first, and may be taken back', () => {
    const consult = run(answered(), { type: 'HOLD', at: at(9) }, { type: 'TRANSFER', mode: 'attended', target: { kind: 'agent', ...other }, at: at(10) });
    expect(consult.context.agent).toEqual(taker);
    expect(refuses(consult, { type: 'TRANSFER_COMPLETE', at: at(11) })).toBe(true); // target has not answered yet
    const talking = run(consult, { type: 'TRANSFER_ANSWERED', at: at(12) });
    expect(talking.value).toBe('transferring');
    const handed = run(talking, { type: 'TRANSFER_COMPLETE', at: at(30) });
    expect(handed.context).toMatchObject({ agent: other, transfer: null });
    const takenBack = run(talking, { type: 'TRANSFER_CANCEL', reason: 'EMS line busy', at: at(30) });
    expect(takenBack.value).toBe('answered');
    expect(takenBack.context).toMatchObject({ agent: taker, transfer: null });
  });

  test('a transfer to an outside number ends the call here once the bridge reports it done', () => {
    const out = run(answered(), { type: 'TRANSFER', mode: 'blind', target: { kind: 'number', number: '0571-88888888' }, at: at(10) });
    expect(out.context.agent).toEqual(taker); // the transferor keeps it until the far end takes it
    const done = run(out, { type: 'TRANSFER_COMPLETE', at: at(14) });
    expect(done.value).toBe('ended');
    expect(done.context).toMatchObject({ outcome: 'transferred', endedAt: at(14) });
    expect(refuses(answered(), { type: 'TRANSFER', mode: 'blind', target: { kind: 'agent', ...taker }, at: at(4) })).toBe(true);
  });

  test('a conference adds parties once; the last to leave returns to a two-party call', () => {
    const conf = run(answered(), { type: 'CONFERENCE_ADD', party: { kind: 'number', number: '120' }, at: at(5) });
    expect(conf.value).toBe('conferenced');
    expect(refuses(conf, { type: 'CONFERENCE_ADD', party: { kind: 'number', number: '120' }, at: at(6) })).toBe(true);
    const three = run(conf, { type: 'CONFERENCE_ADD', party: { kind: 'agent', ...other }, at: at(7) });
    expect(three.context.conference).toHaveLength(2);
    const two = run(three, { type: 'CONFERENCE_LEAVE', partyId: '120', at: at(8) });
    expect(two.value).toBe('conferenced');
    expect(run(two, { type: 'CONFERENCE_LEAVE', partyId: other.agentId, at: at(9) }).value).toBe('answered');
  });
});

describe('call machine: abandoned calls and callbacks', () => {
  test('a caller who hangs up while queued is kept as abandoned, with its timers cancelled', () => {
    const [gone, actions] = step(run(fresh(), enqueue(0), offer(2)), end(6, 'caller', 'CANCEL'));
    expect(gone.value).toBe('abandoned');
    expect(gone.status).toBe('active');
    expect(gone.context).toMatchObject({ outcome: 'abandoned', endedBy: 'caller', endReason: 'CANCEL', offer: null });
    expect(cancelledTimers(actions).sort()).toEqual([CALL_TIMERS.answerTarget, CALL_TIMERS.offer].sort());
    expect(refuses(gone, answer(7))).toBe(true);
    const called = run(gone, { type: 'CALLBACK', callbackCallId: 'CALL-2', by: 'calltaker.police', at: at(30) });
    expect(called.context.callbacks).toEqual([{ callId: 'CALL-2', by: 'calltaker.police', at: at(30) }]);
    expect(refuses(called, { type: 'RESOLVE', reason: ' ', by: 'x', at: at(31) })).toBe(true);
    const resolved = run(called, { type: 'RESOLVE', reason: 'caller reached: pocket dial', by: 'calltaker.police', at: at(60) });
    expect(resolved.value).toBe('ended');
    expect(resolved.context).toMatchObject({ outcome: 'abandoned', resolution: 'caller reached: pocket dial' });
  });

  test('a callback is an outbound call: ringing until the far end answers, or ended unanswered', () => {
    const dialling = fresh({ direction: 'outbound', agent: taker, callbackOf: 'CALL-1', location: null });
    expect(refuses(dialling, enqueue(1))).toBe(true);
    expect(run(dialling, { type: 'CONNECTED', at: at(8) }).context).toMatchObject({ agent: taker, answeredAt: at(8) });
    expect(run(dialling, end(30, 'system', '486 Busy Here')).context).toMatchObject({ outcome: 'no_answer' });
  });
});

describe('call machine: caller location (PIDF-LO)', () => {
  test('a location from the INVITE is proposed; a dispatcher confirms it; a later one does not replace it', () => {
    const call = answered();
    expect(call.context.proposedLocation).toMatchObject({ lat: 30.26, lon: 120.16, radiusM: 35, method: 'GPS', at: T0 });
    expect(call.context.confirmedLocation).toBeNull();
    const confirmed = run(call, { type: 'LOCATION_CONFIRM', location: { lat: 30.261, lon: 120.161, radiusM: null, method: 'dispatcher' }, by: 'calltaker.police', at: at(5) });
    const moved = run(confirmed, { type: 'LOCATION_PROPOSED', location: { lat: 30.3, lon: 120.2, radiusM: 500, method: 'Cell' }, at: at(9) });
    expect(moved.context.proposedLocation).toMatchObject({ lat: 30.3, at: at(9) });
    expect(moved.context.confirmedLocation).toMatchObject({ lat: 30.261, lon: 120.161, at: at(5) });
    expect(refuses(call, { type: 'LOCATION_CONFIRM', location: { lat: 95, lon: 0, radiusM: null, method: null }, by: 'x', at: at(6) })).toBe(true);
  });

  test('a call links to an incident once', () => {
    const linked = run(answered(), { type: 'LINK_INCIDENT', incidentId: 'INC-1', at: at(5) });
    expect(linked.context.incidentId).toBe('INC-1');
    expect(refuses(linked, { type: 'LINK_INCIDENT', incidentId: 'INC-1', at: at(6) })).toBe(true);
  });

  test('a persisted call comes back from JSON and its timers still cancel', () => {
    const offered = run(fresh(), enqueue(0), offer(1));
    const restored = restoreSnapshot(callMachine, JSON.parse(JSON.stringify(callMachine.getPersistedSnapshot(offered))));
    expect(restored.context).toEqual(offered.context);
    expect(cancelledTimers(step(restored, answer(2))[1]).sort()).toEqual([CALL_TIMERS.answerTarget, CALL_TIMERS.offer].sort());
  });
});

describe('call machine: digits and recordings', () => {
  const started = (id: string, s: number, source = 'caller'): CallEvent => ({
    type: 'RECORDING_STARTED', recordingId: id, unitId: null, source, file: `calls/${id}.wav`, mimeType: 'audio/wav', at: at(s),
  });
  const stored = (id: string, s: number): CallEvent => ({
    type: 'RECORDING_STORED', recordingId: id, sha256: 'ab'.repeat(32), bytes: 48_044, durationMs: 3000, endedAt: at(s), at: at(s),
  });

  test('digits the caller presses are kept in order, by how they came; anything but 0-9 * # A-D is refused', () => {
    const call = run(answered(), { type: 'DTMF', digit: '5', via: 'rfc4733', durationMs: 160, at: at(4) }, { type: 'DTMF', digit: '#', via: 'info', durationMs: null, at: at(5) });
    expect(call.context.digits).toEqual([
      { digit: '5', via: 'rfc4733', durationMs: 160, at: at(4) }, { digit: '#', via: 'info', durationMs: null, at: at(5) },
    ]);
    expect(refuses(call, { type: 'DTMF', digit: '55', via: 'info', durationMs: null, at: at(6) })).toBe(true);
    expect(refuses(call, { type: 'DTMF', digit: 'x', via: 'rfc4733', durationMs: null, at: at(6) })).toBe(true);
    expect(refuses(call, { type: 'DTMF', digit: '1', via: 'inband' as 'info', durationMs: null, at: at(6) })).toBe(true);
    const ended = run(call, end(7, 'caller'));
    expect(refuses(ended, { type: 'DTMF', digit: '1', via: 'info', durationMs: null, at: at(8) })).toBe(true);
  });

  test('a call keeps its last 64 digits', () => {
    const presses = Array.from({ length: 70 }, (_, i): CallEvent => ({ type: 'DTMF', digit: String(i % 10), via: 'rfc4733', durationMs: 100, at: at(4 + i) }));
    const call = run(answered(), ...presses);
    expect(call.context.digits).toHaveLength(64);
    expect(call.context.digits[0]!.at).toBe(at(10));
  });

  test('a leg\'s recording is stored with its hash after the call ended; an ended call takes nothing else', () => {
    const call = run(answered(), started('REC-C1', 4), started('REC-A1', 4, 'agent:calltaker.police'), end(20, 'caller'));
    expect(call.value).toBe('ended');
    expect(refuses(call, started('REC-C1', 21))).toBe(true);
    const done = run(call, stored('REC-C1', 21), { type: 'RECORDING_FAILED', recordingId: 'REC-A1', reason: 'no media arrived', endedAt: at(21), at: at(21) });
    expect(done.context.recordings).toEqual([
      expect.objectContaining({ id: 'REC-C1', source: 'caller', state: 'stored', sha256: 'ab'.repeat(32), bytes: 48_044, durationMs: 3000, startedAt: at(4), endedAt: at(21) }),
      expect.objectContaining({ id: 'REC-A1', source: 'agent:calltaker.police', state: 'failed', failure: 'no media arrived' }),
    ]);
    // Stored once: a second report of either is refused; so are events of a live call.
    expect(refuses(done, stored('REC-C1', 22))).toBe(true);
    expect(refuses(done, { type: 'HOLD', at: at(22) })).toBe(true);
    expect(refuses(done, { type: 'LINK_INCIDENT', incidentId: 'INC-9', at: at(22) })).toBe(true);
  });
});

describe('call machine: paths', () => {
  const agent = { kind: 'agent' as const, ...other };
  const samples: CallEvent[] = [
    enqueue(1), offer(2), { type: 'OFFER_TIMEOUT', agentId: taker.agentId, at: at(3) }, { type: 'DECLINE', agentId: taker.agentId, at: at(3) },
    { type: 'ANSWER_OVERDUE', at: at(4) }, answer(5), { type: 'CONNECTED', at: at(5) }, { type: 'MEDIA_UP', at: at(6) },
    { type: 'HOLD', at: at(7) }, { type: 'RESUME', at: at(8) },
    { type: 'TRANSFER', mode: 'blind', target: agent, at: at(9) },
    { type: 'TRANSFER', mode: 'attended', target: agent, at: at(9) },
    { type: 'TRANSFER', mode: 'blind', target: { kind: 'number', number: '119' }, at: at(9) },
    { type: 'TRANSFER_ANSWERED', at: at(10) }, { type: 'TRANSFER_COMPLETE', at: at(11) },
    { type: 'TRANSFER_CANCEL', reason: 'busy', at: at(11) }, { type: 'TRANSFER_TIMEOUT', at: at(12) },
    { type: 'CONFERENCE_ADD', party: { kind: 'number', number: '120' }, at: at(13) }, { type: 'CONFERENCE_LEAVE', partyId: '120', at: at(14) },
    { type: 'LOCATION_CONFIRM', location: { lat: 30.2, lon: 120.1, radiusM: null, method: null }, by: 'x', at: at(15) },
    { type: 'LINK_INCIDENT', incidentId: 'INC-1', at: at(16) },
    end(17, 'caller'), end(17, 'agent'),
    { type: 'CALLBACK', callbackCallId: 'CALL-2', by: 'x', at: at(18) }, { type: 'RESOLVE', reason: 'reached', by: 'x', at: at(19) },
  ];
  // A state is its name plus who has the call and what kind of transfer runs; times are left out.
  const identity = (s: CallSnapshot) => JSON.stringify([
    s.value, s.context.offer?.agentId ?? null, s.context.agent?.agentId ?? null, s.context.transfer?.mode ?? null,
    s.context.transfer?.target.kind ?? null, s.context.transfer?.targetAnsweredAt !== null, s.context.conference.length,
    s.context.incidentId, s.context.confirmedLocation !== null, s.context.callbacks.length > 0, s.context.outcome,
  ]);

  test.each(['inbound', 'outbound'] as const)('shortest paths of an %s call replay with pure transition()', (direction) => {
    const over: Partial<CallInput> = direction === 'outbound' ? { direction, agent: taker, callbackOf: 'CALL-1' } : {};
    const started = Date.now();
    const paths = getShortestPaths(callMachine, { input: { ...input, ...over }, events: samples, serializeState: identity });
    expect(Date.now() - started).toBeLessThan(5000);
    for (const path of paths) expect(identity(replayPath(callMachine, fresh(over), path))).toBe(identity(path.state));
    const reached = new Set(paths.map((p) => String(p.state.value)));
    const all: CallState[] = ['ringing', 'queued', 'offered', 'answered', 'held', 'transferring', 'conferenced', 'abandoned', 'ended'];
    expect(Object.keys(callMachine.states).sort()).toEqual([...all].sort());
    // An outbound call reaches the queue too: through a blind transfer nobody took.
    expect([...reached].sort()).toEqual([...all].sort());
  });

  test('along every path, who has the call agrees with the state', () => {
    const paths = getShortestPaths(callMachine, { input, events: samples, serializeState: identity });
    for (const path of paths) {
      const end = replayPath(callMachine, fresh(), path);
      const state = String(end.value) as CallState;
      if (['answered', 'held', 'conferenced'].includes(state)) expect(end.context.agent).not.toBeNull();
      if (['ringing', 'queued', 'abandoned'].includes(state)) expect(end.context.offer).toBeNull();
      if (state === 'offered') expect(end.context.offer).not.toBeNull();
      expect(end.context.transfer !== null).toBe(state === 'transferring');
      expect(LIVE_CALL_STATES.includes(state)).toBe(end.context.outcome === null);
    }
  });
});
