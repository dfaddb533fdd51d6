/**
 * The calls panel's picture of the ACD feed: which call is offered to this seat, which are in
 * its hands, the queue in the server's answer order, and a phone's location that stays a
 * proposal until a dispatcher confirms it.
 */
import { Store, type AgentView, type CallView } from '../../lib/stores';
import { CityIndex } from '../city';
import type { City } from '../../map/base';
import { callDesk, consultedMe, consulting, isOverdue, lineLabel, unconfirmedProposal, waitedMs } from './model';

const city = new CityIndex({
  agencies: [], stations: [], unitTypes: [], incidentTypes: [], units: [],
  lines: [
    { number: '110', name: 'Police emergency', nameZh: '110报警', agencyId: 'police', priority: 1, emergency: true, answerTargetSec: 10, offerTimeoutSec: 10 },
    { number: '12345', name: 'Citizen service line', nameZh: '12345市民服务热线', agencyId: 'police', priority: 3, emergency: false, answerTargetSec: 60, offerTimeoutSec: 15 },
  ],
} as unknown as City);

const ME = { agentId: 'user:calltaker.police', username: 'calltaker.police' };
const OTHER = { agentId: 'user:dispatcher.police', username: 'dispatcher.police' };

function call(id: string, patch: Partial<CallView>): CallView {
  return {
    kind: 'call', id, version: 1, state: 'queued', direction: 'inbound', sipCallId: null, callerNumber: '13800138000', callerName: null,
    line: '110', agencyId: 'police', priority: 1, answerTargetMs: 10_000, offerTimeoutMs: 10_000, createdAt: '2026-12-01T10:00:00.000Z',
    queuedAt: '2026-12-01T10:00:00.000Z', answeredAt: null, endedAt: null, offer: null, agent: null, transfer: null, conference: [],
    mediaUpAt: null, proposedLocation: null, confirmedLocation: null, incidentId: null, alerts: [], missedOffers: [], outcome: null,
    endedBy: null, endReason: null, callbackOf: null, callbacks: [], resolution: null, recordings: [], digits: [], ...patch,
  };
}

function desk(calls: CallView[], agents: AgentView[] = []) {
  const callStore = new Store<CallView>();
  const agentStore = new Store<AgentView>();
  calls.forEach((c) => callStore.items.set(c.id, c));
  agents.forEach((a) => agentStore.items.set(a.id, a));
  return callDesk(callStore, agentStore, ME.agentId, city);
}

test('the queue is in answer order: line priority first, then who waited longest', () => {
  const d = desk([
    call('citizen-early', { line: '12345', priority: 3, queuedAt: '2026-12-01T09:00:00.000Z' }),
    call('110-late', { queuedAt: '2026-12-01T10:00:05.000Z' }),
    call('110-early', { queuedAt: '2026-12-01T10:00:01.000Z' }),
  ]);
  expect(d.waiting.map((c) => c.id)).toEqual(['110-early', '110-late', 'citizen-early']);
});

test('the call offered to this seat is its offer; one offered to a colleague is only in the queue', () => {
  const mine = call('mine', { state: 'offered', offer: { ...ME, offeredAt: '2026-12-01T10:00:01.000Z' } });
  const theirs = call('theirs', { state: 'offered', offer: { ...OTHER, offeredAt: '2026-12-01T10:00:01.000Z' } });
  const d = desk([theirs, mine]);
  expect(d.offered?.id).toBe('mine');
  expect(d.waiting).toHaveLength(2);
});

test('in this seat\'s hands: its connected and held calls, its callback ringing out, a call transferred to it; not a colleague\'s', () => {
  const d = desk([
    call('answered', { state: 'answered', agent: ME, answeredAt: '2026-12-01T10:00:02.000Z' }),
    call('held', { state: 'held', agent: ME, answeredAt: '2026-12-01T10:00:03.000Z' }),
    call('callback', { state: 'ringing', direction: 'outbound', agent: ME, queuedAt: null, createdAt: '2026-12-01T10:00:04.000Z' }),
    call('to-me', {
      state: 'transferring', agent: null,
      transfer: { mode: 'blind', target: { kind: 'agent', ...ME }, from: OTHER, startedAt: '2026-12-01T10:00:05.000Z', targetAnsweredAt: null },
    }),
    call('colleague', { state: 'answered', agent: OTHER }),
  ]);
  expect(d.mine.map((c) => c.id).sort()).toEqual(['answered', 'callback', 'held', 'to-me']);
});

test('abandoned callers: emergency lines first, then the oldest', () => {
  const d = desk([
    call('citizen', { state: 'abandoned', line: '12345', endedAt: '2026-12-01T09:00:00.000Z' }),
    call('110-late', { state: 'abandoned', endedAt: '2026-12-01T10:05:00.000Z' }),
    call('110-early', { state: 'abandoned', endedAt: '2026-12-01T10:01:00.000Z' }),
  ]);
  expect(d.abandoned.map((c) => c.id)).toEqual(['110-early', '110-late', 'citizen']);
});

test('a PIDF-LO location stays a proposal until confirmed; a later one is a new proposal', () => {
  const proposed = { lat: 30.262, lon: 120.158, radiusM: 40, method: 'GPS', at: '2026-12-01T10:00:00.000Z' };
  expect(unconfirmedProposal(call('a', { proposedLocation: proposed }))).toEqual(proposed);
  const confirmed = { ...proposed, at: '2026-12-01T10:00:10.000Z' };
  expect(unconfirmedProposal(call('b', { proposedLocation: proposed, confirmedLocation: confirmed }))).toBeNull();
  const later = { ...proposed, lat: 30.27, at: '2026-12-01T10:00:20.000Z' };
  expect(unconfirmedProposal(call('c', { proposedLocation: later, confirmedLocation: confirmed }))).toEqual(later);
});

test('a caller waiting past the line\'s answer target is overdue', () => {
  const c = call('a', { queuedAt: '2026-12-01T10:00:00.000Z' });
  expect(isOverdue(c, Date.parse('2026-12-01T10:00:09.000Z'))).toBe(false);
  expect(isOverdue(c, Date.parse('2026-12-01T10:00:10.000Z'))).toBe(true);
  // The server flagged it: the wait shown is at least the target, whatever the console's clock says.
  const flagged = call('b', { alerts: [{ id: 'answer_overdue-1', kind: 'answer_overdue', raisedAt: '2026-12-01T10:00:10.000Z' }] });
  expect(waitedMs(flagged, Date.parse('2026-12-01T10:00:09.200Z'))).toBe(10_000);
  expect(isOverdue(flagged, Date.parse('2026-12-01T10:00:09.200Z'))).toBe(true);
});

test('lines in words: number and name, or the bare number of a line the city does not know', () => {
  expect(lineLabel(city, '110')).toBe('110 Police emergency');
  expect(lineLabel(city, '999')).toBe('Line 999');
});

test('an attended transfer keeps the consulted agent\'s call in hand until it completes; a blind one only until they answer', () => {
  const transfer = (mode: 'blind' | 'attended', answered: boolean) => call('C-T', {
    state: 'transferring', agent: ME, queuedAt: null,
    transfer: { mode, target: { kind: 'agent', ...OTHER }, from: ME, startedAt: '2026-12-01T10:01:00.000Z', targetAnsweredAt: answered ? '2026-12-01T10:01:05.000Z' : null },
  });
  const otherDesk = (c: CallView) => {
    const store = new Store<CallView>();
    store.items.set(c.id, c);
    return callDesk(store, new Store<AgentView>(), OTHER.agentId, city);
  };
  expect(otherDesk(transfer('attended', false)).mine.map((c) => c.id)).toEqual(['C-T']);
  expect(otherDesk(transfer('attended', true)).mine.map((c) => c.id)).toEqual(['C-T']);
  expect(consulting(transfer('attended', true))).toBe(true);
  expect(consultedMe(transfer('attended', true), OTHER.agentId)).toBe(true);
  expect(consultedMe(transfer('attended', true), ME.agentId)).toBe(false);
  expect(consulting(transfer('attended', false))).toBe(false);
  expect(otherDesk(transfer('blind', false)).mine.map((c) => c.id)).toEqual(['C-T']);
  expect(otherDesk(transfer('blind', true)).mine).toEqual([]);
  // To a number: the transferor talks to the party being called into the room at once.
  const toNumber = call('C-N', { state: 'transferring', agent: ME, transfer: { mode: 'attended', target: { kind: 'number', number: 'p-11' }, from: ME, startedAt: '2026-12-01T10:01:00.000Z', targetAnsweredAt: null } });
  expect(consulting(toNumber)).toBe(true);
});
