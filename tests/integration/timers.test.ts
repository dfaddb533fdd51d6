/**
 * Response-plan timers on a test clock: nothing sleeps; the clock is moved and the timer
 * worker run, exactly as the interval loop would.
 */
import { TestClock } from '../../server/clock';
import { startTestServer, type TestServer } from '../support/app';
import { TestClient } from '../support/ws-client';
import type { IncidentView } from '../../server/incidents/kind';

const clock = new TestClock(new Date());
let server: TestServer;
let dispatcher: TestClient;

beforeAll(async () => {
  server = await startTestServer({ clock, runWorkers: false });
  dispatcher = await TestClient.connect(server.port, server.token('dispatcher.police'));
});
afterAll(async () => {
  await dispatcher?.close();
  await server?.stop();
});

const incident = (id: string) => dispatcher.query({ type: 'incident.get', incidentId: id }) as Promise<IncidentView>;
const plan = (type: string, priority: number) => server.app.city.plan(type, priority)!;

test('a unit that does not acknowledge within the plan time raises an alert the dispatcher acknowledges', async () => {
  const { createdId } = await dispatcher.ok({ type: 'incident.create', incidentType: 'assault', priority: 1, location: { lat: 30.25, lon: 120.15 }, description: 'fight outside bar' });
  const id = createdId!;
  await dispatcher.subscribe(`incident:${id}`);
  await dispatcher.ok({ type: 'incident.dispatch', incidentId: id, unitIds: ['P-101'] });
  const ackTimeoutMs = plan('assault', 1).ackTimeoutSec * 1000;

  clock.advance(ackTimeoutMs - 1000);
  expect(await server.app.timers.runOnce()).toBe(0);
  expect((await incident(id)).alerts).toEqual([]);

  clock.advance(2000);
  const alertFrame = dispatcher.next((f) => f.type === 'feed.event' && f.event.type === 'incident.alert.ack_overdue');
  expect(await server.app.timers.runOnce()).toBe(1);
  await alertFrame;
  const alerted = await incident(id);
  expect(alerted.alerts).toEqual([expect.objectContaining({ kind: 'ack_overdue', unitId: 'P-101', acknowledgedAt: null })]);
  expect(await server.app.timers.runOnce()).toBe(0); // consumed once

  await dispatcher.ok({ type: 'incident.alert.ack', incidentId: id, alertId: alerted.alerts[0]!.id });
  expect((await incident(id)).alerts[0]).toMatchObject({ acknowledgedBy: 'dispatcher.police' });
});

test('a unit that acknowledges in time cancels its alert timer', async () => {
  const { createdId } = await dispatcher.ok({ type: 'incident.create', incidentType: 'theft', priority: 2, location: { lat: 30.26, lon: 120.17 }, description: 'shoplifter held' });
  await dispatcher.ok({ type: 'incident.dispatch', incidentId: createdId!, unitIds: ['P-102'] });
  await dispatcher.ok({ type: 'unit.acknowledge', unitId: 'P-102' });
  const timers = await server.app.db.sql`SELECT send_id FROM timers WHERE stream_id = ${createdId!}`;
  expect(timers.map((t) => t.send_id)).not.toContain('ack:P-102');
  clock.advance(plan('theft', 2).ackTimeoutSec * 1000 * 2);
  await server.app.timers.runOnce();
  expect((await incident(createdId!)).alerts).toEqual([]);
});

test('a pending incident past its dispatch target escalates, and again one target later', async () => {
  const { createdId } = await dispatcher.ok({ type: 'incident.create', incidentType: 'disturbance', priority: 3, location: { lat: 30.27, lon: 120.14 }, description: 'loud party' });
  const id = createdId!;
  const target = (await incident(id)).pendingTargetMs;
  clock.advance(target + 1);
  await server.app.timers.runOnce();
  expect(await incident(id)).toMatchObject({ state: 'pending', escalations: 1, alerts: [expect.objectContaining({ kind: 'pending_overdue' })] });
  clock.advance(target + 1);
  await server.app.timers.runOnce();
  expect((await incident(id)).escalations).toBe(2);
  await dispatcher.ok({ type: 'incident.dispatch', incidentId: id, unitIds: ['P-103'] });
  clock.advance(target * 3);
  await server.app.timers.runOnce();
  expect((await incident(id)).escalations).toBe(2);
});
