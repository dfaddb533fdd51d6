import { getShortestPaths, getSimplePaths } from '@xstate/graph';
import { createActor, initialTransition, transition, type SnapshotFrom } from 'xstate';
import { replayPath } from './path-replay';
import { UNIT_STATUSES, unitMachine, type UnitEvent } from './unit';

type UnitSnapshot = SnapshotFrom<typeof unitMachine>;

const T0 = '2025-03-01T08:00:00.000Z';
const at = (minute: number) => new Date(Date.parse(T0) + minute * 60_000).toISOString();

function fresh(): UnitSnapshot {
  return initialTransition(unitMachine, { at: T0 })[0];
}

/** Applies events in order; every one must be accepted. */
function run(snapshot: UnitSnapshot, ...events: UnitEvent[]): UnitSnapshot {
  return events.reduce((snap, event) => {
    const [next] = transition(unitMachine, snap, event);
    if (next === snap) throw new Error(`${event.type} refused in ${String(snap.value)}`);
    return next;
  }, snapshot);
}

function refuses(snapshot: UnitSnapshot, event: UnitEvent): boolean {
  return transition(unitMachine, snapshot, event)[0] === snapshot;
}

describe('unit machine: dispatch stories', () => {
  test('a new unit starts available, on no incident, since it was created', () => {
    const unit = fresh();
    expect(unit.value).toBe('available');
    expect(unit.context).toEqual({
      incidentId: null,
      emergency: false,
      since: T0,
      outOfServiceReason: null,
      lastReason: null,
    });
  });

  test('an ambulance runs a call from dispatch to transport and back to available', () => {
    let unit = run(fresh(), { type: 'DISPATCH', incidentId: 'inc-1', at: at(1) });
    expect(unit.value).toBe('dispatched');
    expect(unit.context).toMatchObject({ incidentId: 'inc-1', since: at(1) });

    unit = run(
      unit,
      { type: 'ACKNOWLEDGE', at: at(2) },
      { type: 'EN_ROUTE', at: at(3) },
      { type: 'ON_SCENE', at: at(9) },
      { type: 'TRANSPORT', at: at(20) },
      { type: 'AT_DESTINATION', at: at(35) },
    );
    expect(unit.value).toBe('at_destination');
    expect(unit.context.since).toBe(at(35));

    unit = run(unit, { type: 'CLEAR', at: at(50) });
    expect(unit.value).toBe('returning');
    expect(unit.context).toMatchObject({ incidentId: null, since: at(50) });

    unit = run(unit, { type: 'AVAILABLE', at: at(60) });
    expect(unit.value).toBe('available');
    expect(unit.context.since).toBe(at(60));
  });

  test('a unit can go straight from dispatched to on scene when it was already there', () => {
    const unit = run(fresh(), { type: 'DISPATCH', incidentId: 'inc-1', at: at(1) }, { type: 'ON_SCENE', at: at(2) });
    expect(unit.value).toBe('on_scene');
  });

  test('a returning unit can take a new call before it is back at station', () => {
    const unit = run(
      fresh(),
      { type: 'DISPATCH', incidentId: 'inc-1', at: at(1) },
      { type: 'EN_ROUTE', at: at(2) },
      { type: 'CLEAR', at: at(3) },
      { type: 'DISPATCH', incidentId: 'inc-2', at: at(4) },
    );
    expect(unit.value).toBe('dispatched');
    expect(unit.context.incidentId).toBe('inc-2');
  });

  test('a unit en route is diverted to a higher-priority call and remembers why', () => {
    const enRoute = run(fresh(), { type: 'DISPATCH', incidentId: 'inc-1', at: at(1) }, { type: 'EN_ROUTE', at: at(2) });
    const diverted = run(enRoute, { type: 'PREEMPT', incidentId: 'inc-9', reason: 'cardiac arrest nearby', at: at(4) });
    expect(diverted.value).toBe('dispatched');
    expect(diverted.context).toMatchObject({ incidentId: 'inc-9', lastReason: 'cardiac arrest nearby', since: at(4) });
  });

  test('a pre-emption needs a reason and another incident, and cannot pull a unit off the scene', () => {
    const dispatched = run(fresh(), { type: 'DISPATCH', incidentId: 'inc-1', at: at(1) });
    expect(refuses(dispatched, { type: 'PREEMPT', incidentId: 'inc-9', reason: '   ', at: at(2) })).toBe(true);
    expect(refuses(dispatched, { type: 'PREEMPT', incidentId: 'inc-1', reason: 'again', at: at(2) })).toBe(true);
    const onScene = run(dispatched, { type: 'ON_SCENE', at: at(3) });
    expect(refuses(onScene, { type: 'PREEMPT', incidentId: 'inc-9', reason: 'urgent', at: at(4) })).toBe(true);
  });

  test('a unit released before it moves is available again; released after moving it is returning', () => {
    const acked = run(fresh(), { type: 'DISPATCH', incidentId: 'inc-1', at: at(1) }, { type: 'ACKNOWLEDGE', at: at(2) });
    const freed = run(acked, { type: 'RELEASE', reason: 'call cancelled', at: at(3) });
    expect(freed.value).toBe('available');
    expect(freed.context).toMatchObject({ incidentId: null, lastReason: 'call cancelled' });

    const onScene = run(acked, { type: 'ON_SCENE', at: at(4) });
    const leaving = run(onScene, { type: 'RELEASE', reason: 'not needed', at: at(5) });
    expect(leaving.value).toBe('returning');
    expect(leaving.context.incidentId).toBeNull();
    expect(refuses(onScene, { type: 'RELEASE', reason: '', at: at(5) })).toBe(true);
  });

  test('a unit goes out of service only with a reason, and the reason clears when it is back', () => {
    const unit = fresh();
    expect(refuses(unit, { type: 'OUT_OF_SERVICE', reason: ' ', at: at(1) })).toBe(true);
    const down = run(unit, { type: 'OUT_OF_SERVICE', reason: 'flat tyre', at: at(1) });
    expect(down.value).toBe('out_of_service');
    expect(down.context.outOfServiceReason).toBe('flat tyre');
    expect(refuses(down, { type: 'DISPATCH', incidentId: 'inc-1', at: at(2) })).toBe(true);
    const back = run(down, { type: 'IN_SERVICE', at: at(30) });
    expect(back.value).toBe('available');
    expect(back.context).toMatchObject({ outOfServiceReason: null, since: at(30) });
  });

  test('the emergency button flags the unit in any state without changing its status time', () => {
    const onScene = run(fresh(), { type: 'DISPATCH', incidentId: 'inc-1', at: at(1) }, { type: 'ON_SCENE', at: at(2) });
    const mayday = run(onScene, { type: 'EMERGENCY', at: at(3) });
    expect(mayday.value).toBe('on_scene');
    expect(mayday.context).toMatchObject({ emergency: true, since: at(2) });
    expect(refuses(mayday, { type: 'EMERGENCY', at: at(4) })).toBe(true);
    const cleared = run(mayday, { type: 'EMERGENCY_CLEAR', at: at(5) });
    expect(cleared.context.emergency).toBe(false);
    expect(refuses(cleared, { type: 'EMERGENCY_CLEAR', at: at(6) })).toBe(true);
  });

  test('events that do not apply are refused with the very same snapshot', () => {
    const unit = fresh();
    expect(refuses(unit, { type: 'ACKNOWLEDGE', at: at(1) })).toBe(true);
    expect(refuses(unit, { type: 'CLEAR', at: at(1) })).toBe(true);
    expect(refuses(unit, { type: 'AVAILABLE', at: at(1) })).toBe(true);
    expect(refuses(unit, { type: 'DISPATCH', incidentId: '', at: at(1) })).toBe(true);
    const dispatched = run(unit, { type: 'DISPATCH', incidentId: 'inc-1', at: at(1) });
    expect(refuses(dispatched, { type: 'DISPATCH', incidentId: 'inc-2', at: at(2) })).toBe(true);
    expect(refuses(dispatched, { type: 'TRANSPORT', at: at(2) })).toBe(true);
    expect(refuses(dispatched, { type: 'CLEAR', at: at(2) })).toBe(true);
  });

  test('a persisted unit comes back from JSON and keeps working', () => {
    const enRoute = run(fresh(), { type: 'DISPATCH', incidentId: 'inc-1', at: at(1) }, { type: 'EN_ROUTE', at: at(2) });
    const json = JSON.stringify(unitMachine.getPersistedSnapshot(enRoute));
    // `input` is ignored with a snapshot, but XState's types require the key for machines with input.
    const restored = createActor(unitMachine, { snapshot: JSON.parse(json), input: undefined }).getSnapshot();
    expect(restored.value).toBe('en_route');
    expect(restored.context).toEqual(enRoute.context);
    const [next] = transition(unitMachine, restored, { type: 'ON_SCENE', at: at(5) });
    expect(next.value).toBe('on_scene');
    expect(next.context).toMatchObject({ incidentId: 'inc-1', since: at(5) });
    expect(transition(unitMachine, restored, { type: 'AVAILABLE', at: at(5) })[0]).toBe(restored);
  });
});

describe('unit machine: paths', () => {
  /** One concrete sample per event type (two incidents so PREEMPT has somewhere to go). */
  const samples: UnitEvent[] = [
    { type: 'DISPATCH', incidentId: 'inc-1', at: at(1) },
    { type: 'PREEMPT', incidentId: 'inc-2', reason: 'higher priority', at: at(2) },
    { type: 'ACKNOWLEDGE', at: at(3) },
    { type: 'EN_ROUTE', at: at(4) },
    { type: 'ON_SCENE', at: at(5) },
    { type: 'TRANSPORT', at: at(6) },
    { type: 'AT_DESTINATION', at: at(7) },
    { type: 'CLEAR', at: at(8) },
    { type: 'RELEASE', reason: 'not needed', at: at(9) },
    { type: 'AVAILABLE', at: at(10) },
    { type: 'OUT_OF_SERVICE', reason: 'maintenance', at: at(11) },
    { type: 'IN_SERVICE', at: at(12) },
    { type: 'EMERGENCY', at: at(13) },
    { type: 'EMERGENCY_CLEAR', at: at(14) },
  ];
  const traversal = {
    input: { at: T0 },
    events: samples,
    // Times are not part of a state's identity; the incident and the flag are.
    serializeState: (s: UnitSnapshot) => JSON.stringify([s.value, s.context.incidentId, s.context.emergency]),
  };

  test('shortest paths reach every unit status and replay with pure transition()', () => {
    const paths = getShortestPaths(unitMachine, traversal);
    const reached = new Set(paths.map((p) => String(p.state.value)));
    expect([...reached].sort()).toEqual([...UNIT_STATUSES].sort());
    expect(Object.keys(unitMachine.states).sort()).toEqual([...UNIT_STATUSES].sort());
    for (const path of paths) {
      const end = replayPath(unitMachine, fresh(), path);
      expect(end.value).toEqual(path.state.value);
      // The graph keeps one snapshot per serialized state, so compare identities, not times.
      expect(traversal.serializeState(end)).toBe(traversal.serializeState(path.state));
    }
  });

  test('every simple path between statuses replays with pure transition()', () => {
    const paths = getSimplePaths(unitMachine, {
      ...traversal,
      serializeState: (s: UnitSnapshot) => String(s.value),
    });
    expect(new Set(paths.map((p) => String(p.state.value))).size).toBe(UNIT_STATUSES.length);
    for (const path of paths) {
      expect(replayPath(unitMachine, fresh(), path).value).toEqual(path.state.value);
    }
  });
});
