/**
 * A whole incident over the live WebSocket API, as a police dispatcher and the unit's crew
 * live it: created, recommended, dispatched, acknowledged, en route, on scene, cleared and
 * closed, with a subscriber seeing every event exactly once and in order.
 */
import { startTestServer, type TestServer } from '../support/app';
import { TestClient } from '../support/ws-client';
import type { FeedEvent, ServerFrame } from '../../server/protocol';

let server: TestServer;
let dispatcher: TestClient;
let watcher: TestClient;

beforeAll(async () => {
  server = await startTestServer();
  dispatcher = await TestClient.connect(server.port, server.token('dispatcher.police'));
  watcher = await TestClient.connect(server.port, server.token('supervisor.police'));
});

afterAll(async () => {
  await dispatcher?.close();
  await watcher?.close();
  await server?.stop();
});

const events = (client: TestClient, feed: string) =>
  client.feedFrames(feed).map((f) => (f.type === 'feed.event' ? f.event : null)).filter((e): e is FeedEvent => e !== null);

test('an incident goes from first call to close, and a subscriber sees every event once, in order', async () => {
  const queue = await watcher.subscribe('queue:police');
  expect(queue).toMatchObject({ type: 'subscribed', mode: 'snapshot' });
  const startSeq = (queue as Extract<ServerFrame, { type: 'subscribed' }>).seq;

  const created = await dispatcher.ok({
    type: 'incident.create', incidentType: 'traffic-accident', priority: 2,
    location: { lat: 30.262, lon: 120.158 }, address: 'Hubin Rd & Pinghai Rd', description: 'two cars, one injured',
  });
  const incidentId = created.createdId!;
  expect(incidentId).toMatch(/^INC-/);

  const rec = (await dispatcher.query({ type: 'units.recommend', incidentId })) as { recommended: string[]; requirements: { units: { etaSec: number; agencyId: string }[] }[] };
  expect(rec.recommended.length).toBeGreaterThan(0);
  const etas = rec.requirements[0]!.units.map((u) => u.etaSec);
  expect([...etas].sort((a, b) => a - b)).toEqual(etas);
  expect(rec.requirements.every((r) => r.units.every((u) => u.agencyId === 'police'))).toBe(true);
  const unitId = rec.recommended[0]!;

  const crew = await TestClient.connect(server.port, server.token(unitId.toLowerCase()));
  const notified = crew.next((f) => f.type === 'unit.notification' && f.incidentId === incidentId);
  await dispatcher.ok({ type: 'incident.dispatch', incidentId, unitIds: [unitId] });
  expect(await notified).toMatchObject({ unitId, kind: 'dispatch' });
  await crew.ok({ type: 'unit.acknowledge', unitId });
  await crew.ok({ type: 'unit.status', unitId, status: 'en_route' });
  await crew.ok({ type: 'unit.status', unitId, status: 'on_scene' });
  await crew.ok({ type: 'incident.note', incidentId, text: 'one driver to hospital by EMS' });
  await crew.ok({ type: 'unit.status', unitId, status: 'clear' });
  await dispatcher.ok({ type: 'incident.close', incidentId, disposition: 'report taken' });
  await crew.close();

  const expected = [
    'incident.created', 'incident.units.dispatched', 'incident.unit.acknowledged',
    'incident.unit.status.changed', 'incident.unit.status.changed', 'incident.note.added', 'incident.unit.released', 'incident.closed',
  ];
  await watcher.next(() => events(watcher, 'queue:police').some((e) => e.type === 'incident.closed' && e.streamId === incidentId), 5000, 0);
  const frames = watcher.feedFrames('queue:police');
  expect(frames.map((f) => f.seq)).toEqual(frames.map((_, i) => startSeq + 1 + i));
  const story = events(watcher, 'queue:police').filter((e) => e.streamId === incidentId);
  expect(story.map((e) => e.type)).toEqual(expected);
  expect(story.map((e) => e.version)).toEqual(expected.map((_, i) => i + 1));
  expect(story.at(-1)).toMatchObject({ state: 'closed', view: { disposition: 'report taken', units: {} } });

  const unit = (await dispatcher.query({ type: 'unit.get', unitId })) as { status: string; incidentId: string | null };
  expect(unit).toMatchObject({ status: 'returning', incidentId: null });
});

test('a retried command is applied once and answered with the same result', async () => {
  const cmd = {
    type: 'incident.create' as const, commandId: 'retry-test-0001', incidentType: 'theft', priority: 3,
    location: { lat: 30.25, lon: 120.15 }, description: 'wallet stolen on bus 7',
  };
  // The console lost its connection and re-sent on a second one while the first was in flight.
  const secondConnection = await TestClient.connect(server.port, server.token('dispatcher.police'));
  const [first, second] = await Promise.all([dispatcher.ok(cmd), secondConnection.ok({ ...cmd })]);
  const third = await dispatcher.ok(cmd);
  expect(second.createdId).toBe(first.createdId);
  expect(third).toMatchObject({ createdId: first.createdId, duplicate: true });
  const rows = await server.app.db.sql`SELECT count(*)::int AS n FROM events WHERE command_id = 'retry-test-0001'`;
  expect(rows[0]!.n).toBe(1);
  // Another user's command id is not theirs to replay.
  expect(await watcher.command(cmd)).toMatchObject({ ok: false, code: 'conflict' });
  await secondConnection.close();
});

test('bad input is answered with a clear error and changes nothing', async () => {
  const before = await server.app.db.sql`SELECT count(*)::int AS n FROM events`;
  dispatcher.sendRaw('{"type": "command", "command": ');
  expect(await dispatcher.next((f) => f.type === 'error')).toMatchObject({ code: 'bad_json' });
  dispatcher.sendRaw({ type: 'launch.missiles' });
  expect(await dispatcher.next((f) => f.type === 'error' && f.message.includes('type'))).toMatchObject({ code: 'validation_failed' });
  const outOfRange = await dispatcher.command({
    type: 'incident.create', incidentType: 'theft', priority: 2, location: { lat: 95, lon: 120.16 }, description: 'x',
  });
  expect(outOfRange).toMatchObject({ ok: false, code: 'validation_failed' });
  expect(!outOfRange.ok && outOfRange.message).toContain('latitude must be within -90..90');
  const created = await dispatcher.ok({ type: 'incident.create', incidentType: 'theft', priority: 3, location: { lat: 30.25, lon: 120.16 }, description: 'bike' });
  const refused = await dispatcher.command({ type: 'incident.under_control', incidentId: created.createdId! });
  expect(refused).toMatchObject({ ok: false, code: 'rejected_by_state_machine' });
  expect(!refused.ok && refused.message).toContain('in state "pending" does not accept UNDER_CONTROL');
  const missing = await dispatcher.command({ type: 'incident.note', incidentId: 'INC-000000-NOPE00', text: 'hello' });
  expect(missing).toMatchObject({ ok: false, code: 'not_found' });
  const after = await server.app.db.sql`SELECT count(*)::int AS n FROM events`;
  expect(after[0]!.n).toBe(before[0]!.n + 1); // only the valid create's event
  expect(await dispatcher.query({ type: 'incident.get', incidentId: created.createdId! })).toMatchObject({ state: 'pending', version: 1 });
});

test('a field unit of one agency can neither read nor change another agency\'s incident', async () => {
  const fire = await TestClient.connect(server.port, server.token('dispatcher.fire'));
  const created = await fire.ok({ type: 'incident.create', incidentType: 'structure-fire', priority: 1, location: { lat: 30.27, lon: 120.17 }, description: 'smoke from 3rd floor' });
  const incidentId = created.createdId!;
  const police = await TestClient.connect(server.port, server.token('p-101'));
  const read = await police.subscribe(`incident:${incidentId}`);
  expect(read).toMatchObject({ type: 'error', code: 'not_authorized' });
  await expect(police.query({ type: 'incident.get', incidentId })).rejects.toThrow(/not_authorized/);
  const note = await police.command({ type: 'incident.note', incidentId, text: 'we can help' });
  expect(note).toMatchObject({ ok: false, code: 'not_authorized' });
  const closeIt = await police.command({ type: 'incident.close', incidentId, disposition: 'nothing' });
  expect(closeIt).toMatchObject({ ok: false, code: 'not_authorized' });
  const theirUnit = await police.command({ type: 'unit.status', unitId: 'E-21', status: 'out_of_service', reason: 'prank' });
  expect(theirUnit).toMatchObject({ ok: false, code: 'not_authorized' });
  const policeDispatcher = await dispatcher.command({ type: 'incident.dispatch', incidentId, unitIds: ['P-101'] });
  expect(policeDispatcher).toMatchObject({ ok: false, code: 'not_authorized' });
  expect(await fire.query({ type: 'incident.get', incidentId })).toMatchObject({ version: 1, noteCount: 0, state: 'pending' });
  await fire.close();
  await police.close();
});
