import { getShortestPaths } from '@xstate/graph';
import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import { agentMachine, type AgentEvent } from './agent';
import { replayPath } from './path-replay';

type AgentSnapshot = SnapshotFrom<typeof agentMachine>;
const T0 = '2025-03-01T08:00:00.000Z';
const input = { at: T0, agentId: 'user:calltaker.police', username: 'calltaker.police', agencyId: 'police', role: 'call_taker' };
const fresh = (): AgentSnapshot => initialTransition(agentMachine, input)[0];
const run = (s: AgentSnapshot, ...events: AgentEvent[]) => events.reduce((snap, e) => {
  const [next] = transition(agentMachine, snap, e);
  if (next === snap) throw new Error(`${e.type} refused in ${String(snap.value)}`);
  return next;
}, s);
const refuses = (s: AgentSnapshot, e: AgentEvent) => transition(agentMachine, s, e)[0] === s;

describe('agent machine', () => {
  test('a call taker signs in away, gets ready, is offered a call, and goes away with a reason', () => {
    expect(fresh().value).toBe('away');
    expect(refuses(fresh(), { type: 'OFFERED', callId: 'CALL-1', at: T0 })).toBe(true);
    const ready = run(fresh(), { type: 'READY', at: '2025-03-01T08:01:00.000Z' });
    expect(ready.context).toMatchObject({ readySince: '2025-03-01T08:01:00.000Z', awayReason: null });
    const offered = run(ready, { type: 'OFFERED', callId: 'CALL-1', at: '2025-03-01T08:02:00.000Z' });
    expect(offered.context.lastOfferedAt).toBe('2025-03-01T08:02:00.000Z');
    expect(refuses(offered, { type: 'AWAY', reason: ' ', at: T0 })).toBe(true);
    const away = run(offered, { type: 'AWAY', reason: 'missed an offer', at: '2025-03-01T08:03:00.000Z' });
    expect(away.context).toMatchObject({ readySince: null, awayReason: 'missed an offer' });
    // Picking a call from the queue while away is still recorded.
    expect(run(away, { type: 'ANSWERED', callId: 'CALL-2', at: T0 }).context.lastAnsweredAt).toBe(T0);
  });

  test('a call transferred to an agent, or a conference they are added to, steps them ready or away', () => {
    const at = '2025-03-01T08:04:00.000Z';
    for (const s of [fresh(), run(fresh(), { type: 'READY', at: T0 })]) {
      const engaged = run(s, { type: 'ENGAGED', callId: 'CALL-3', as: 'transfer', at });
      expect(engaged.value).toBe(s.value);
      expect(engaged.context.lastOfferedAt).toBe(at);
      expect(refuses(s, { type: 'ENGAGED', callId: ' ', as: 'conference', at })).toBe(true);
    }
  });

  test('every path replays with pure transition()', () => {
    const events: AgentEvent[] = [
      { type: 'READY', at: T0 }, { type: 'AWAY', reason: 'break', at: T0 },
      { type: 'OFFERED', callId: 'CALL-1', at: T0 }, { type: 'ANSWERED', callId: 'CALL-1', at: T0 },
      { type: 'ENGAGED', callId: 'CALL-1', as: 'conference', at: T0 },
    ];
    const paths = getShortestPaths(agentMachine, { input, events, serializeState: (s) => String(s.value) });
    expect(paths.map((p) => String(p.state.value)).sort()).toEqual(['away', 'ready']);
    for (const path of paths) expect(replayPath(agentMachine, fresh(), path).value).toBe(path.state.value);
  });
});
