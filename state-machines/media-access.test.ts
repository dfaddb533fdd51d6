import { getShortestPaths } from '@xstate/graph';
import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import { cancelledTimers, delayedRaises, replayPath, type TimerAction } from './path-replay';
import { MAX_GRANT_MS, activeGrantFor, grantTimerId, mediaAccessMachine, type MediaAccessEvent } from './media-access';
import { mediaViewMachine, type MediaViewEvent, type MediaViewInput } from './media-view';

type AccessSnapshot = SnapshotFrom<typeof mediaAccessMachine>;

const T0 = '2025-03-01T08:00:00.000Z';
const at = (minute: number) => new Date(Date.parse(T0) + minute * 60_000).toISOString();

const fresh = (): AccessSnapshot => initialTransition(mediaAccessMachine, { at: T0, incidentId: 'INC-1', agencyId: 'police', districtId: 'west' })[0];

function step(snapshot: AccessSnapshot, event: MediaAccessEvent): [AccessSnapshot, TimerAction[]] {
  const [next, actions] = transition(mediaAccessMachine, snapshot, event);
  if (next === snapshot) throw new Error(`${event.type} refused`);
  return [next, actions as TimerAction[]];
}
const refuses = (snapshot: AccessSnapshot, event: MediaAccessEvent) => transition(mediaAccessMachine, snapshot, event)[0] === snapshot;

const grant = (grantId: string, minutes: number, when = 0): MediaAccessEvent => ({
  type: 'GRANT', grantId, granteeId: 'user:dispatcher.fire', granteeUsername: 'dispatcher.fire', durationMs: minutes * 60_000,
  reason: 'fire crews approaching', by: 'supervisor.police', at: at(when),
});

describe('media access: time-limited grants', () => {
  test('a supervisor grants a fire dispatcher 30 minutes; the expiry is a timer, the grant is active until then', () => {
    const [access, actions] = step(fresh(), grant('G-1', 30, 5));
    expect(access.context.grants).toEqual([expect.objectContaining({
      id: 'G-1', granteeId: 'user:dispatcher.fire', grantedAt: at(5), expiresAt: at(35), state: 'active', grantedBy: 'supervisor.police',
    })]);
    expect(delayedRaises(actions)).toEqual([expect.objectContaining({
      params: expect.objectContaining({ id: grantTimerId('G-1'), delay: 30 * 60_000, event: { type: 'EXPIRE', grantId: 'G-1', at: at(35) } }),
    })]);
    expect(activeGrantFor(access.context, 'user:dispatcher.fire', at(34))?.id).toBe('G-1');
    // Past its expiry a grant no longer counts, even before the timer has fired.
    expect(activeGrantFor(access.context, 'user:dispatcher.fire', at(35))).toBeNull();
    expect(activeGrantFor(access.context, 'user:dispatcher.ems', at(10))).toBeNull();
  });

  test('the expiry timer ends the grant; a revoke ends it early and cancels the timer', () => {
    let [access] = step(fresh(), grant('G-1', 30));
    [access] = step(access, { type: 'EXPIRE', grantId: 'G-1', at: at(30) });
    expect(access.context.grants[0]).toMatchObject({ state: 'expired', endedAt: at(30), endedBy: null });
    expect(refuses(access, { type: 'EXPIRE', grantId: 'G-1', at: at(31) })).toBe(true);

    [access] = step(access, grant('G-2', 60, 40));
    const [revoked, actions] = step(access, { type: 'REVOKE', grantId: 'G-2', by: 'supervisor.police', reason: 'stood down', at: at(45) });
    expect(revoked.context.grants[1]).toMatchObject({ state: 'revoked', endedAt: at(45), endedBy: 'supervisor.police' });
    expect(cancelledTimers(actions)).toEqual([grantTimerId('G-2')]);
    expect(activeGrantFor(revoked.context, 'user:dispatcher.fire', at(46))).toBeNull();
  });

  test('a grant without a reason, over a day, or with a used id is refused; so is revoking an ended grant', () => {
    const [access] = step(fresh(), grant('G-1', 10));
    expect(refuses(fresh(), { ...grant('G-1', 10), reason: '  ' } as MediaAccessEvent)).toBe(true);
    expect(refuses(fresh(), { ...grant('G-1', 10), durationMs: MAX_GRANT_MS + 1 } as MediaAccessEvent)).toBe(true);
    expect(refuses(fresh(), { ...grant('G-1', 10), durationMs: 0 } as MediaAccessEvent)).toBe(true);
    expect(refuses(access, grant('G-1', 10))).toBe(true);
    expect(refuses(access, { type: 'REVOKE', grantId: 'G-9', by: 'x', reason: 'y', at: at(1) })).toBe(true);
    expect(refuses(access, { type: 'REVOKE', grantId: 'G-1', by: 'x', reason: '', at: at(1) })).toBe(true);
  });

  test('shortest paths reach every state a grant can be in and replay with pure transition()', () => {
    const paths = getShortestPaths(mediaAccessMachine, {
      input: { at: T0, incidentId: 'INC-1', agencyId: 'police', districtId: 'west' },
      events: [grant('G-1', 10), { type: 'REVOKE', grantId: 'G-1', by: 'supervisor.police', reason: 'done', at: at(2) }, { type: 'EXPIRE', grantId: 'G-1', at: at(10) }],
      serializeState: (s: AccessSnapshot) => JSON.stringify(s.context.grants.map((g) => g.state)),
    });
    const reached = paths.map((p) => p.state.context.grants.map((g) => g.state).join(',') || 'none');
    expect(reached.sort()).toEqual(['active', 'expired', 'none', 'revoked']);
    for (const path of paths) {
      const end = replayPath(mediaAccessMachine, fresh(), path);
      expect(end.context.grants.map((g) => g.state)).toEqual(path.state.context.grants.map((g) => g.state));
    }
  });
});

describe('media view: the access log of one viewing', () => {
  const input: MediaViewInput = {
    at: T0, incidentId: 'INC-1', agencyId: 'police', districtId: 'west', mode: 'live', viewerId: 'user:dispatcher.police',
    viewerUsername: 'dispatcher.police', viewerRole: 'dispatcher', grantId: null, first: { streamId: 'prod-v', unitId: 'P-101', kind: 'video' },
  };
  test('a dispatcher watches P-101\'s video, then its audio, then leaves', () => {
    let [view] = initialTransition(mediaViewMachine, input);
    expect(view.value).toBe('watching');
    expect(view.context).toMatchObject({ startedAt: T0, endedAt: null, streams: [{ streamId: 'prod-v', unitId: 'P-101', kind: 'video', at: T0 }] });
    [view] = transition(mediaViewMachine, view, { type: 'WATCH', stream: { streamId: 'prod-a', unitId: 'P-101', kind: 'audio' }, at: at(1) } as MediaViewEvent);
    [view] = transition(mediaViewMachine, view, { type: 'END', at: at(9) });
    expect(view.value).toBe('ended');
    expect(view.status).toBe('done');
    expect(view.context.streams.map((s) => s.kind)).toEqual(['video', 'audio']);
    expect(view.context.endedAt).toBe(at(9));
  });
});
