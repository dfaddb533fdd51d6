/**
 * The ACD's in-memory queues: newer views win whatever order the bus brings them in, an ended
 * call does not come back, and a reload from the store drops what ended without losing what
 * changed while the store was read.
 */
import { AcdModel } from './acd-model';
import type { AgentView, CallView } from './kind';

const call = (id: string, version: number, state: string, extra: Partial<CallView> = {}): CallView =>
  ({ kind: 'call', id, version, state, agencyId: 'police', priority: 1, queuedAt: `2025-03-01T08:00:0${id.slice(-1)}.000Z`, createdAt: '2025-03-01T08:00:00.000Z', ...extra }) as CallView;
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
  expect(m.agentsOf('police').map((a) => a.state)).toEqual(['ready']);
  expect(m.agentsOf('fire')).toEqual([]);
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
  expect(m.agentsOf('police').map((a) => a.id)).toEqual(['A1']);
  expect(m.allCalls().map((c) => c.id).sort()).toEqual(['C1', 'C3', 'F1']);
});
