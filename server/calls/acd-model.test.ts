/**
 * The ACD's in-memory queues: newer views win whatever order the bus brings them in, an ended
 * call does not come back, and a reload from the store drops what ended without losing what
 * changed while the store was read.
 */
import { AcdModel } from './acd-model';
import type { AgentView, CallView } from './kind';

const call = (id: string, version: number, state: string, extra: Partial<CallView> = {}): CallView =>
  ({
    kind: 'call', id, version, state, agencyId: 'police', priority: 1, queuedAt: `2025-03-01T08:00:0${id.slice(-1)}.000Z`, createdAt: '2025-03-01T08:00:00.000Z',
    offer: null, agent: null, transfer: null, conference: [], missedOffers: [], ...extra,
  }) as CallView;
const agent = (id: string, version: number, state: string): AgentView => ({ kind: 'agent', id, version, state, agencyId: 'police' }) as AgentView;

test('a newer view replaces an older one, an older or repeated one changes nothing, an ended call leaves for good', () => {
  const m = new AcdModel();
  m.apply(call('C1', 2, 'queued'));
  m.apply(call('C1', 1, 'ringing'));
  expect(m.callsOf('police').map((c) => [c.id, c.state])).toEqual([['C1', 'queued']]);
  m.apply(call('C1', 3, 'ended'));
  m.apply(call('C1', 2, 'queued')); // late, from another node
  expect(m.callsOf('police')).toEqual([]);
  m.apply(agent('A1', 2, 'ready'));
  m.apply(agent('A1', 1, 'away'));
  expect(m.available('police').map((a) => a.id)).toEqual(['A1']); // still ready
  expect(m.available('fire')).toEqual([]);
});

test('calls come out in answer order: line priority, then the longest wait', () => {
  const m = new AcdModel();
  m.apply(call('C1', 1, 'queued', { priority: 2 }));
  m.apply(call('C2', 1, 'queued', { priority: 1 }));
  m.apply(call('C3', 1, 'queued', { priority: 1 }));
  expect(m.callsOf('police').map((c) => c.id)).toEqual(['C2', 'C3', 'C1']);
});

test('a reload takes the store where newer, drops calls that ended unseen, and keeps what changed during the read', () => {
  const m = new AcdModel();
  m.apply(call('C1', 1, 'queued'));
  m.apply(call('C2', 1, 'queued'));
  m.apply(call('F1', 1, 'queued', { agencyId: 'fire' }));
  const mark = m.mark();
  m.apply(call('C3', 1, 'queued')); // created while the store was read
  // The store: C1 moved on, C2 ended (its bus message was lost), C3 not yet committed when read.
  m.reload('police', [call('C1', 2, 'offered')], [agent('A1', 1, 'ready')], mark);
  expect(m.callsOf('police').map((c) => [c.id, c.state])).toEqual([['C1', 'offered'], ['C3', 'queued']]);
  expect(m.callsOf('fire').map((c) => c.id)).toEqual(['F1']);
  expect(m.available('police').map((a) => a.id)).toEqual(['A1']);
  expect(m.waiting('police').map((c) => c.id)).toEqual(['C3']);
});

test('available: ready agents no call keeps busy, idle longest first; one who let an offer lapse waits to be set away', () => {
  const m = new AcdModel();
  const seat = (id: string, readySince: string, extra: Partial<AgentView> = {}) =>
    ({ ...agent(id, 1, 'ready'), agentId: id, readySince, lastOfferedAt: null, lastAnsweredAt: null, ...extra }) as AgentView;
  m.apply(seat('A1', '2025-03-01T08:00:02.000Z'));
  m.apply(seat('A2', '2025-03-01T08:00:01.000Z'));
  m.apply(seat('A3', '2025-03-01T08:00:03.000Z'));
  m.apply(seat('A4', '2025-03-01T08:00:00.000Z', { state: 'away' }));
  const live = { offer: null, agent: null, transfer: null, conference: [], missedOffers: [] };
  expect(m.available('police').map((a) => a.id)).toEqual(['A2', 'A1', 'A3']);
  // The first of them, found without sorting, and the next when it is ruled out (claimed).
  expect(m.longestIdle('police', () => false)?.id).toBe('A2');
  expect(m.longestIdle('police', (id) => id === 'A2')?.id).toBe('A1');
  expect(m.longestIdle('fire', () => false)).toBeNull();
  // A2 is offered a call; A3 is being transferred a fire call; A1 let an offer lapse after getting ready.
  m.apply(call('C1', 2, 'offered', { ...live, offer: { agentId: 'A2', username: 'a2', offeredAt: '2025-03-01T08:00:05.000Z' } } as unknown as Partial<CallView>));
  m.apply(call('F1', 3, 'transferring', { ...live, agencyId: 'fire', agent: { agentId: 'F9', username: 'f9' },
    transfer: { mode: 'blind', target: { kind: 'agent', agentId: 'A3', username: 'a3' } } } as unknown as Partial<CallView>));
  m.apply(call('C2', 4, 'queued', { ...live, missedOffers: [{ agentId: 'A1', endedAt: '2025-03-01T08:00:06.000Z' }] } as unknown as Partial<CallView>));
  expect(m.available('police')).toEqual([]);
  expect(m.longestIdle('police', () => false)).toBeNull();
  expect(m.hasWaiting('police')).toBe(true); // C2
  // The offer is answered elsewhere and ends, the transfer ends, A1 gets ready again: all free.
  m.apply(call('C1', 3, 'ended', live as Partial<CallView>));
  m.apply(call('F1', 4, 'ended', { ...live, agencyId: 'fire' } as Partial<CallView>));
  m.apply(seat('A1', '2025-03-01T08:00:07.000Z', { version: 2 }));
  expect(m.available('police').map((a) => a.id)).toEqual(['A2', 'A3', 'A1']);
  expect(m.longestIdle('police', () => false)?.id).toBe('A2');
  // Idle since the latest of ready, offered and answered: A2 answered last, so A3 is idle longest now.
  m.apply(seat('A2', '2025-03-01T08:00:01.000Z', { version: 2, lastAnsweredAt: '2025-03-01T08:00:08.000Z' }));
  expect(m.available('police').map((a) => a.id)).toEqual(['A3', 'A1', 'A2']);
  expect(m.longestIdle('police', () => false)?.id).toBe('A3');
});

test('hasWaiting: a queued call of the agency, not an offered or answered one, nor another agency\'s', () => {
  const m = new AcdModel();
  expect(m.hasWaiting('police')).toBe(false);
  m.apply(call('C1', 1, 'offered'));
  m.apply(call('F1', 1, 'queued', { agencyId: 'fire' }));
  expect(m.hasWaiting('police')).toBe(false);
  m.apply(call('C2', 1, 'queued'));
  expect(m.hasWaiting('police')).toBe(true);
  m.apply(call('C2', 2, 'ended'));
  expect(m.hasWaiting('police')).toBe(false);
});
