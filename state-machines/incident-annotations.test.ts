/** The incident machine's records beside its lifecycle: command on scene, recordings, and calls. */
import { incidentMachine, type IncidentEvent } from './incident';
import { restoreSnapshot } from './common';
import { at, dispatch, fresh, refuses, run } from './incident-fixtures';

describe('incident command on scene (ICS)', () => {
  it('puts assigned units into divisions, moves them, takes them out, and forgets them on release', () => {
    let s = run(fresh(), dispatch(['E1', 'L1'], 1));
    s = run(s, { type: 'ASSIGN_DIVISION', unitId: 'E1', division: ' Division A ', at: at(2) });
    expect(s.context.divisions).toEqual({ E1: 'Division A' });
    expect(refuses(s, { type: 'ASSIGN_DIVISION', unitId: 'E1', division: 'Division A', at: at(3) })).toBe(true);
    expect(refuses(s, { type: 'ASSIGN_DIVISION', unitId: 'X9', division: 'Division A', at: at(3) })).toBe(true);
    expect(refuses(s, { type: 'ASSIGN_DIVISION', unitId: 'L1', division: '   ', at: at(3) })).toBe(true);
    s = run(s, { type: 'ASSIGN_DIVISION', unitId: 'L1', division: 'Ventilation Group', at: at(4) },
      { type: 'ASSIGN_DIVISION', unitId: 'E1', division: null, at: at(5) });
    expect(s.context.divisions).toEqual({ L1: 'Ventilation Group' });
    s = run(s, { type: 'UNIT_RELEASED', unitId: 'L1', reason: 'cleared', at: at(6) });
    expect(s.context.divisions).toEqual({});
  });

  it('a request for more resources is recorded and raises an alert for dispatch', () => {
    const s = run(fresh(), dispatch(['E1'], 1), {
      type: 'REQUEST_RESOURCES', requests: [{ capability: 'aerial-ladder', count: 1 }], note: 'persons reported on 4th floor', by: 'commander.fire', at: at(9),
    });
    expect(s.context.resourceRequests).toEqual([
      { id: 'request-1', requests: [{ capability: 'aerial-ladder', count: 1 }], note: 'persons reported on 4th floor', requestedAt: at(9), requestedBy: 'commander.fire' },
    ]);
    expect(s.context.alerts.at(-1)).toMatchObject({ kind: 'resource_request', raisedAt: at(9), acknowledgedAt: null });
    expect(refuses(s, { type: 'REQUEST_RESOURCES', requests: [], note: '', by: 'x', at: at(10) })).toBe(true);
    expect(refuses(fresh(), { type: 'REQUEST_RESOURCES', requests: [{ capability: 'als', count: 1 }], note: '', by: 'x', at: at(10) })).toBe(true);
  });
});

describe('incident machine: recordings', () => {
  const started = (id: string, when: number): IncidentEvent => ({
    type: 'RECORDING_STARTED', recordingId: id, unitId: 'E1', source: 'bodycam', file: `INC/${id}.webm`, mimeType: 'video/webm', at: at(when),
  });
  test('a body camera\'s recording starts, is stored with its hash, and may finish after the incident closed', () => {
    let incident = run(fresh(), dispatch(['E1'], 5), started('REC-1', 10));
    expect(incident.context.recordings).toEqual([expect.objectContaining({ id: 'REC-1', unitId: 'E1', state: 'recording', startedAt: at(10), sha256: null })]);
    incident = run(incident, { type: 'UNIT_STATUS', unitId: 'E1', status: 'on_scene', at: at(20) }, { type: 'CLOSE', disposition: 'fire out', at: at(30) });
    expect(incident.value).toBe('closed');
    incident = run(incident, { type: 'RECORDING_STORED', recordingId: 'REC-1', sha256: 'ab'.repeat(32), bytes: 1234, durationMs: 20_000, endedAt: at(31), at: at(32) });
    expect(incident.context.recordings[0]).toMatchObject({ state: 'stored', sha256: 'ab'.repeat(32), bytes: 1234, durationMs: 20_000, endedAt: at(31) });
  });

  test('a recording is stored or failed once, and its id is not reused', () => {
    const incident = run(fresh(), started('REC-1', 1), { type: 'RECORDING_FAILED', recordingId: 'REC-1', reason: 'no media arrived', endedAt: at(2), at: at(2) });
    expect(incident.context.recordings[0]).toMatchObject({ state: 'failed', failure: 'no media arrived' });
    expect(refuses(incident, { type: 'RECORDING_STORED', recordingId: 'REC-1', sha256: 'x', bytes: 1, durationMs: 1, endedAt: at(3), at: at(3) })).toBe(true);
    expect(refuses(incident, started('REC-1', 4))).toBe(true);
    expect(refuses(incident, { type: 'RECORDING_STORED', recordingId: 'REC-2', sha256: 'x', bytes: 1, durationMs: 1, endedAt: at(3), at: at(3) })).toBe(true);
  });

  test('an incident stored before recordings existed still takes one', () => {
    const old = fresh();
    const { recordings: _r, ...context } = old.context;
    const legacy = restoreSnapshot(incidentMachine, JSON.parse(JSON.stringify({ ...incidentMachine.getPersistedSnapshot(old), context })));
    expect(run(legacy, started('REC-1', 1)).context.recordings).toHaveLength(1);
  });
});

describe('incident machine: calls about the incident', () => {
  test('a call is linked once, its end lands on the timeline, and a second caller may join a closed incident', () => {
    let incident = run(fresh(), { type: 'CALL_LINKED', callId: 'CALL-1', callerNumber: '13800138000', line: '119', at: at(1) });
    expect(incident.context.calls).toEqual([{ callId: 'CALL-1', callerNumber: '13800138000', line: '119', linkedAt: at(1), endedAt: null, outcome: null }]);
    expect(refuses(incident, { type: 'CALL_LINKED', callId: 'CALL-1', callerNumber: '1', line: '119', at: at(2) })).toBe(true);
    incident = run(incident, { type: 'CALL_ENDED', callId: 'CALL-1', outcome: 'completed', at: at(60) });
    expect(incident.context.calls[0]).toMatchObject({ endedAt: at(60), outcome: 'completed' });
    expect(refuses(incident, { type: 'CALL_ENDED', callId: 'CALL-1', outcome: 'completed', at: at(61) })).toBe(true);
    const closed = run(incident, { type: 'TRIAGE', at: at(62) }, { type: 'CLOSE', disposition: 'done', at: at(63) });
    expect(run(closed, { type: 'CALL_LINKED', callId: 'CALL-2', callerNumber: '2', line: '119', at: at(64) }).context.calls).toHaveLength(2);
  });

  test('an incident stored before calls existed still takes one', () => {
    const { calls: _c, ...context } = fresh().context;
    const legacy = restoreSnapshot(incidentMachine, JSON.parse(JSON.stringify({ ...incidentMachine.getPersistedSnapshot(fresh()), context })));
    expect(run(legacy, { type: 'CALL_LINKED', callId: 'CALL-1', callerNumber: '1', line: '110', at: at(1) }).context.calls).toHaveLength(1);
  });
});
