/**
 * A media access grant on a test clock: a fire dispatcher watching a police incident's room on
 * a one-minute grant is refused the moment the minute is up, and when the expiry timer fires
 * the grantee is sent out of the room and the grant reads expired in the access log.
 */
import { TestClock } from '../../server/clock';
import { startTestServer, type TestServer } from '../support/app';
import { TestClient } from '../support/ws-client';
import type { MediaAccessReport } from '../../server/media-access/access';

const clock = new TestClock(new Date());
let server: TestServer;
let police: TestClient;
let fire: TestClient;

beforeAll(async () => {
  server = await startTestServer({ clock, runWorkers: false });
  police = await TestClient.connect(server.port, server.token('supervisor.police'));
  fire = await TestClient.connect(server.port, server.token('dispatcher.fire'));
});
afterAll(async () => {
  await police?.close();
  await fire?.close();
  await server?.stop();
});

test('a one-minute grant lets another agency in for a minute; its expiry sends the grantee out of the room', async () => {
  const { createdId: incidentId } = await police.ok({ type: 'incident.create', incidentType: 'theft', priority: 3, location: { lat: 30.26, lon: 120.16 }, description: 'warehouse break-in', agencyId: 'police' });
  const roomId = `incident:${incidentId}`;
  const { createdId: grantId } = await police.ok({ type: 'media.access.grant', incidentId: incidentId!, username: 'dispatcher.fire', minutes: 1, reason: 'hazmat stored on site' });

  await fire.mediaOk({ action: 'router.capabilities', roomId });
  await fire.mediaOk({ action: 'transport.create', roomId, direction: 'recv' });
  const shared = async () => (await fetch(`http://127.0.0.1:${server.port}/api/v1/media/shared`, { headers: { authorization: `Bearer ${server.token('dispatcher.fire')}` } })).json();
  expect(await shared()).toEqual([expect.objectContaining({ incidentId, incidentType: 'theft', agencyId: 'police', grant: expect.objectContaining({ id: grantId, grantedBy: 'supervisor.police', reason: 'hazmat stored on site' }) })]);

  clock.advance(61_000);
  // Past the expiry the grant no longer opens anything, even before its timer has fired.
  expect(await fire.media({ action: 'producers.list', roomId })).toMatchObject({ ok: false, code: 'not_authorized' });
  expect(await shared()).toEqual([]);

  const sentAway = fire.next((f) => f.type === 'media.event' && f.event === 'room.closed' && f.roomId === roomId, 10_000);
  expect(await server.app.timers.runOnce()).toBe(1);
  expect(await sentAway).toMatchObject({ roomId });

  const res = await fetch(`http://127.0.0.1:${server.port}/api/v1/incidents/${incidentId}/media-access`, { headers: { authorization: `Bearer ${server.token('auditor')}` } });
  const log = (await res.json()) as MediaAccessReport;
  expect(log.grants).toEqual([expect.objectContaining({ id: grantId, state: 'expired', endedBy: null })]);
});
