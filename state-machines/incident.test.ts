import { getShortestPaths } from '@xstate/graph';
import { createActor } from 'xstate';
import {
  OPEN_STATES,
  PENDING_TIMER_EVENT,
  assignedUnitIds,
  incidentMachine,
  isOpen,
  type IncidentEvent,
  type IncidentState,
} from './incident';
import { restoreSnapshot } from './common';
import { cancelledTimers, delayedRaises, replayPath } from './path-replay';
import { ACK_MS, PENDING_MS, at, deliver, dispatch, fresh, input, refuses, run, step, type IncidentSnapshot } from './incident-fixtures';

describe('incident machine: acknowledgement timers', () => {
  test('dispatching returns one delayed xstate.raise per unit, with delay and id', () => {
    const [incident, actions] = step(fresh(), dispatch(['E1', 'M7'], 10));
    expect(incident.value).toBe('dispatched');
    expect(incident.context.units).toEqual({
      E1: { status: 'dispatched', dispatchedAt: at(10), acknowledgedAt: null },
      M7: { status: 'dispatched', dispatchedAt: at(10), acknowledgedAt: null },
    });
    expect(incident.context.firstDispatchedAt).toBe(at(10));
    const raises = delayedRaises(actions);
    expect(raises).toHaveLength(2);
    expect(raises[0]).toMatchObject({
      type: 'xstate.raise',
      params: { id: 'ack:E1', delay: ACK_MS, event: { type: 'ACK_TIMEOUT', unitId: 'E1', at: at(70) } },
    });
    expect(raises[1]?.params).toMatchObject({ id: 'ack:M7', delay: ACK_MS });
  });

  test('a unit that does not acknowledge raises an ack_overdue alert when its timer fires', () => {
    const [dispatched, actions] = step(fresh(), dispatch(['E1'], 10));
    const [timer] = delayedRaises(actions);
    const [flagged, more] = deliver(dispatched, timer!, at(71));
    expect(flagged.value).toBe('dispatched');
    expect(flagged.context.alerts).toEqual([
      { id: 'ack_overdue-1', kind: 'ack_overdue', unitId: 'E1', raisedAt: at(71), acknowledgedAt: null, acknowledgedBy: null },
    ]);
    expect(more).toEqual([]);
    // The dispatcher sees it and acknowledges the alert, once.
    const seen = run(flagged, { type: 'ALERT_ACK', alertId: 'ack_overdue-1', by: 'disp-4', at: at(80) });
    expect(seen.context.alerts[0]).toMatchObject({ acknowledgedAt: at(80), acknowledgedBy: 'disp-4' });
    expect(refuses(seen, { type: 'ALERT_ACK', alertId: 'ack_overdue-1', by: 'disp-4', at: at(81) })).toBe(true);
    expect(refuses(seen, { type: 'ALERT_ACK', alertId: 'nope-9', by: 'disp-4', at: at(81) })).toBe(true);
  });

  test('a unit that acknowledges in time cancels its timer, and a late timer is refused', () => {
    const [dispatched, actions] = step(fresh(), dispatch(['E1'], 10));
    const [acked, cancels] = step(dispatched, { type: 'UNIT_ACKNOWLEDGED', unitId: 'E1', at: at(20) });
    expect(acked.context.units.E1).toMatchObject({ status: 'acknowledged', acknowledgedAt: at(20) });
    expect(cancels).toEqual([expect.objectContaining({ type: 'xstate.cancel', params: { sendId: 'ack:E1' } })]);
    expect(refuses(acked, { ...delayedRaises(actions)[0]!.params!.event, at: at(70) } as IncidentEvent)).toBe(true);
    expect(refuses(acked, { type: 'UNIT_ACKNOWLEDGED', unitId: 'E1', at: at(21) })).toBe(true);
  });

  test('a unit reporting en route counts as acknowledged and makes the incident active', () => {
    const dispatched = run(fresh(), dispatch(['E1', 'M7'], 10));
    const [active, actions] = step(dispatched, { type: 'UNIT_STATUS', unitId: 'E1', status: 'en_route', at: at(30) });
    expect(active.value).toBe('active');
    expect(active.context.units.E1).toMatchObject({ status: 'en_route', acknowledgedAt: at(30) });
    expect(cancelledTimers(actions)).toEqual(['ack:E1']);
    expect(active.context.firstOnSceneAt).toBeNull();
    // M7 still has not answered: its timer still flags it while the incident is active.
    const [flagged] = step(active, { type: 'ACK_TIMEOUT', unitId: 'M7', at: at(70) });
    expect(flagged.context.alerts).toEqual([expect.objectContaining({ id: 'ack_overdue-1', unitId: 'M7' })]);

    const onScene = run(
      active,
      { type: 'UNIT_STATUS', unitId: 'E1', status: 'on_scene', at: at(300) },
      { type: 'UNIT_STATUS', unitId: 'M7', status: 'on_scene', at: at(400) },
    );
    expect(onScene.context.firstOnSceneAt).toBe(at(300));
    expect(refuses(onScene, { type: 'UNIT_STATUS', unitId: 'M7', status: 'on_scene', at: at(401) })).toBe(true);
    expect(refuses(onScene, { type: 'UNIT_STATUS', unitId: 'X9', status: 'on_scene', at: at(401) })).toBe(true);
  });

  test('more units can join a working incident, but never the same unit twice', () => {
    const active = run(fresh(), dispatch(['E1'], 10), { type: 'UNIT_STATUS', unitId: 'E1', status: 'on_scene', at: at(60) });
    const [reinforced, actions] = step(active, dispatch(['L2'], 90));
    expect(reinforced.value).toBe('active');
    expect(assignedUnitIds(reinforced.context)).toEqual(['E1', 'L2']);
    expect(reinforced.context.firstDispatchedAt).toBe(at(10));
    expect(delayedRaises(actions).map((a) => a.params?.id)).toEqual(['ack:L2']);
    expect(refuses(reinforced, dispatch(['L2'], 91))).toBe(true);
    expect(refuses(reinforced, dispatch([], 91))).toBe(true);
    expect(refuses(reinforced, dispatch(['T1', 'T1'], 91))).toBe(true);
  });

  test('closing cancels outstanding acknowledgement timers and clears the units', () => {
    const working = run(
      fresh(),
      dispatch(['E1', 'M7', 'L2'], 10),
      { type: 'UNIT_ACKNOWLEDGED', unitId: 'E1', at: at(15) },
      { type: 'UNIT_STATUS', unitId: 'E1', status: 'on_scene', at: at(200) },
    );
    expect(refuses(working, { type: 'CLOSE', disposition: '  ', at: at(900) })).toBe(true);
    const [closed, actions] = step(working, { type: 'CLOSE', disposition: 'fire out', at: at(900) });
    expect(closed.value).toBe('closed');
    expect(closed.context).toMatchObject({ units: {}, disposition: 'fire out', closedAt: at(900) });
    expect(cancelledTimers(actions).sort()).toEqual(['ack:L2', 'ack:M7']);
    expect(refuses(closed, { type: 'ACK_TIMEOUT', unitId: 'M7', at: at(910) })).toBe(true);
  });

  test('cancelling a dispatched call cancels its timers; it can be reopened for triage', () => {
    const dispatched = run(fresh(), dispatch(['E1'], 10));
    const [cancelled, actions] = step(dispatched, { type: 'CANCEL', reason: 'caller called back: false alarm', at: at(20) });
    expect(cancelled.value).toBe('cancelled');
    expect(cancelled.context).toMatchObject({ units: {}, disposition: 'caller called back: false alarm' });
    expect(cancelledTimers(actions)).toEqual(['ack:E1']);
    const reopened = run(cancelled, { type: 'REOPEN', reason: 'second caller', at: at(60) });
    expect(reopened.value).toBe('triaged');
    expect(reopened.context).toMatchObject({ closedAt: null, disposition: null });
  });
});

describe('incident machine: waiting for units', () => {
  test('a pending incident past its target escalates and re-arms its timer', () => {
    const [pending, armed] = step(fresh(), { type: 'PEND', at: at(5) });
    const [timer] = delayedRaises(armed);
    expect(timer).toMatchObject({
      type: 'xstate.raise',
      params: { id: PENDING_TIMER_EVENT, delay: PENDING_MS, event: { type: PENDING_TIMER_EVENT } },
    });

    const [late, actions] = deliver(pending, timer!, at(125));
    expect(late.value).toBe('pending');
    expect(late.context.escalations).toBe(1);
    expect(late.context.alerts).toEqual([
      expect.objectContaining({ id: 'pending_overdue-1', kind: 'pending_overdue', unitId: null, raisedAt: at(125) }),
    ]);
    // Re-entering pending: the old timer is cancelled, then a fresh one is raised.
    expect(actions.map((a) => a.type)).toEqual(['xstate.cancel', 'xstate.raise']);
    expect(cancelledTimers(actions)).toEqual([PENDING_TIMER_EVENT]);
    expect(delayedRaises(actions)[0]?.params).toMatchObject({ id: PENDING_TIMER_EVENT, delay: PENDING_MS });

    const [later] = deliver(late, timer!, at(245));
    expect(later.context.escalations).toBe(2);
    expect(later.context.alerts.map((a) => a.id)).toEqual(['pending_overdue-1', 'pending_overdue-2']);
  });

  test('upgrading a pending incident re-arms its timer with the new target', () => {
    const pending = run(fresh(), { type: 'PEND', at: at(5) });
    const [upgraded, actions] = step(pending, { type: 'PRIORITY', priority: 1, pendingTargetMs: 30_000, reason: 'entrapment', at: at(9) });
    expect(upgraded.context).toMatchObject({ priority: 1, pendingTargetMs: 30_000 });
    expect(cancelledTimers(actions)).toEqual([PENDING_TIMER_EVENT]);
    expect(delayedRaises(actions)[0]?.params).toMatchObject({ delay: 30_000 });
    expect(refuses(upgraded, { type: 'PRIORITY', priority: 1, pendingTargetMs: 30_000, reason: 'again', at: at(10) })).toBe(true);
  });

  test('dispatching a pending incident stops its pending timer', () => {
    const pending = run(fresh(), { type: 'PEND', at: at(5) });
    const [, actions] = step(pending, dispatch(['E1'], 30));
    expect(cancelledTimers(actions)).toEqual([PENDING_TIMER_EVENT]);
    expect(delayedRaises(actions).map((a) => a.params?.id)).toEqual(['ack:E1']);
  });

  test('releasing the last unit of a dispatched incident puts it back in the pending queue', () => {
    const dispatched = run(fresh(), dispatch(['E1', 'M7'], 10));
    const [one, first] = step(dispatched, { type: 'UNIT_RELEASED', unitId: 'M7', reason: 'needed elsewhere', at: at(20) });
    expect(one.value).toBe('dispatched');
    expect(cancelledTimers(first)).toEqual(['ack:M7']);
    const [none, last] = step(one, { type: 'UNIT_RELEASED', unitId: 'E1', reason: 'needed elsewhere', at: at(25) });
    expect(none.value).toBe('pending');
    expect(none.context.units).toEqual({});
    expect(cancelledTimers(last)).toEqual(['ack:E1']);
    expect(delayedRaises(last)[0]?.params).toMatchObject({ id: PENDING_TIMER_EVENT, delay: PENDING_MS });
    expect(refuses(none, { type: 'UNIT_RELEASED', unitId: 'E1', reason: 'again', at: at(26) })).toBe(true);
  });

  test('a working incident keeps its state when a unit leaves', () => {
    const active = run(fresh(), dispatch(['E1'], 10), { type: 'UNIT_STATUS', unitId: 'E1', status: 'on_scene', at: at(60) });
    const [stays, actions] = step(active, { type: 'UNIT_RELEASED', unitId: 'E1', reason: 'cleared', at: at(600) });
    expect(stays.value).toBe('active');
    expect(cancelledTimers(actions)).toEqual([]);
  });

  test('a call is triaged, held for a callback, resumed and merged into a duplicate', () => {
    let incident = run(fresh(), { type: 'TRIAGE', priority: 3, incidentType: 'smoke_check', at: at(30) });
    expect(incident.context).toMatchObject({ priority: 3, incidentType: 'smoke_check' });
    expect(refuses(incident, { type: 'HOLD', reason: '', at: at(31) })).toBe(true);
    incident = run(incident, { type: 'HOLD', reason: 'awaiting callback', at: at(40) });
    expect(incident.context.holdReason).toBe('awaiting callback');
    incident = run(incident, { type: 'RESUME', at: at(50) });
    expect(incident.value).toBe('triaged');
    expect(incident.context.holdReason).toBeNull();
    expect(refuses(incident, { type: 'MERGE', intoIncidentId: '', at: at(60) })).toBe(true);
    incident = run(incident, { type: 'MERGE', intoIncidentId: 'inc-42', at: at(60) });
    expect(incident.value).toBe('merged');
    expect(incident.status).toBe('done');
    expect(incident.context.mergedInto).toBe('inc-42');
    expect(refuses(incident, { type: 'NOTE', text: 'late note', at: at(61) })).toBe(true);
    expect(refuses(incident, { type: 'REOPEN', reason: 'oops', at: at(61) })).toBe(true);
  });

  test('an incident with units assigned cannot be merged, and a new call cannot be closed untriaged', () => {
    expect(refuses(fresh(), { type: 'CLOSE', disposition: 'done', at: at(1) })).toBe(true);
    expect(refuses(run(fresh(), dispatch(['E1'], 1)), { type: 'MERGE', intoIncidentId: 'inc-42', at: at(2) })).toBe(true);
  });

  test('notes are counted and updates change only the fields given', () => {
    let incident = run(fresh(), { type: 'NOTE', text: 'caller is on 2nd floor', at: at(1) });
    expect(incident.context.noteCount).toBe(1);
    expect(refuses(incident, { type: 'NOTE', text: ' ', at: at(2) })).toBe(true);
    incident = run(incident, { type: 'UPDATE', address: '3 Dam Square', at: at(3) });
    expect(incident.context).toMatchObject({ address: '3 Dam Square', description: input.description, location: input.location });
    expect(refuses(incident, { type: 'UPDATE', address: '3 Dam Square', at: at(4) })).toBe(true);
    expect(refuses(incident, { type: 'UPDATE', at: at(4) })).toBe(true);
  });

  test('a persisted incident comes back from JSON and its timers still cancel', () => {
    const dispatched = run(fresh(), { type: 'PEND', at: at(1) }, dispatch(['E1'], 10));
    const json = JSON.stringify(incidentMachine.getPersistedSnapshot(dispatched));
    const restored = restoreSnapshot(incidentMachine, JSON.parse(json));
    const direct = createActor(incidentMachine, { snapshot: JSON.parse(json), input: undefined }).getSnapshot();
    expect(direct.value).toBe(restored.value);
    expect(restored.value).toBe('dispatched');
    expect(restored.context).toEqual(dispatched.context);
    const [acked, actions] = step(restored, { type: 'UNIT_ACKNOWLEDGED', unitId: 'E1', at: at(20) });
    expect(acked.context.units.E1?.acknowledgedAt).toBe(at(20));
    expect(cancelledTimers(actions)).toEqual(['ack:E1']);
    expect(refuses(restored, { type: 'PEND', at: at(21) })).toBe(true);
  });

  test('open states are the ones PRIORITY and UPDATE apply to', () => {
    expect(OPEN_STATES.every(isOpen)).toBe(true);
    expect(['closed', 'cancelled', 'merged', 'nonsense'].some(isOpen)).toBe(false);
  });
});

describe('incident machine: paths', () => {
  // Small sample set: one unit, one value per payload, so the graph stays tiny.
  const samples: IncidentEvent[] = [
    { type: 'TRIAGE', at: at(1) },
    { type: 'PEND', at: at(2) },
    dispatch(['E1'], 3),
    { type: 'UNIT_ACKNOWLEDGED', unitId: 'E1', at: at(4) },
    { type: 'UNIT_STATUS', unitId: 'E1', status: 'on_scene', at: at(5) },
    { type: 'ACK_TIMEOUT', unitId: 'E1', at: at(6) },
    { type: 'UNIT_RELEASED', unitId: 'E1', reason: 'cleared', at: at(7) },
    { type: 'UNDER_CONTROL', at: at(8) },
    { type: 'HOLD', reason: 'callback', at: at(9) },
    { type: 'RESUME', at: at(10) },
    { type: 'PRIORITY', priority: 1, pendingTargetMs: 30_000, reason: 'upgrade', at: at(11) },
    { type: 'UPDATE', address: '2 Dam Square', at: at(12) },
    { type: 'NOTE', text: 'note', at: at(13) },
    { type: 'CLOSE', disposition: 'done', at: at(14) },
    { type: 'CANCEL', reason: 'false alarm', at: at(15) },
    { type: 'REOPEN', reason: 'new info', at: at(16) },
    { type: 'MERGE', intoIncidentId: 'inc-2', at: at(17) },
    { type: PENDING_TIMER_EVENT, at: at(18) } as unknown as IncidentEvent,
  ];
  // A state is its name plus what each unit is doing; counters and times are left out.
  const identity = (s: IncidentSnapshot) =>
    JSON.stringify([s.value, Object.entries(s.context.units).map(([id, u]) => [id, u.status, u.acknowledgedAt !== null])]);

  test('shortest paths reach every incident state and replay with pure transition()', () => {
    const started = Date.now();
    const paths = getShortestPaths(incidentMachine, { input, events: samples, serializeState: identity });
    expect(Date.now() - started).toBeLessThan(2000);

    const states = Object.keys(incidentMachine.states).sort();
    const expected: IncidentState[] = ['new', 'triaged', 'pending', 'on_hold', 'dispatched', 'active', 'under_control', 'closed', 'cancelled', 'merged'];
    expect(states).toEqual([...expected].sort());
    expect([...new Set(paths.map((p) => String(p.state.value)))].sort()).toEqual(states);

    for (const path of paths) {
      const end = replayPath(incidentMachine, fresh(), path);
      expect(identity(end)).toBe(identity(path.state));
    }
  });

  test('every sample event taken along the way keeps state and context consistent', () => {
    const paths = getShortestPaths(incidentMachine, { input, events: samples, serializeState: identity });
    for (const path of paths) {
      const end = replayPath(incidentMachine, fresh(), path);
      const units = Object.keys(end.context.units);
      if (!['dispatched', 'active', 'under_control'].includes(String(end.value))) expect(units).toEqual([]);
      if (end.value === 'dispatched') expect(units.length).toBeGreaterThan(0);
      if (units.length > 0) expect(end.context.firstDispatchedAt).not.toBeNull();
    }
  });
});
