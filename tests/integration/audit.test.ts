/** The audit chain: every event links to the one before; tampering is found and named. */
import { startTestServer, type TestServer } from '../support/app';
import { TestClient } from '../support/ws-client';

let server: TestServer;
beforeAll(async () => { server = await startTestServer(); });
afterAll(async () => { await server?.stop(); });

test('the verifier passes an honest history and names the first row altered behind the server\'s back', async () => {
  const dispatcher = await TestClient.connect(server.port, server.token('dispatcher.police'));
  const auditor = await TestClient.connect(server.port, server.token('auditor'));
  const { createdId } = await dispatcher.ok({ type: 'incident.create', incidentType: 'theft', priority: 3, location: { lat: 30.25, lon: 120.15 }, description: 'phone snatched' });
  await dispatcher.ok({ type: 'incident.note', incidentId: createdId!, text: 'suspect wore a red jacket' });
  await dispatcher.ok({ type: 'incident.note', incidentId: createdId!, text: 'CCTV requested' });

  const honest = (await auditor.query({ type: 'audit.verify' })) as { ok: boolean; eventsChecked: number };
  expect(honest.ok).toBe(true);
  expect(honest.eventsChecked).toBeGreaterThan(70);
  const events = await server.app.db.sql`SELECT actor, prev_hash, hash, causation_id FROM events WHERE stream_id = ${createdId!} ORDER BY stream_version`;
  expect(events[0]!.actor).toMatchObject({ username: 'dispatcher.police', role: 'dispatcher' });
  events.slice(1).forEach((e, i) => expect(e.prev_hash).toBe(events[i]!.hash));

  await expect(dispatcher.query({ type: 'audit.verify' })).rejects.toThrow(/not_authorized/);

  const [victim] = await server.app.db.sql`SELECT id::int AS id FROM events WHERE stream_id = ${createdId!} AND type = 'incident.note.added' ORDER BY stream_version LIMIT 1`;
  await server.app.db.sql`UPDATE events SET payload = jsonb_set(payload, '{text}', '"suspect wore a blue jacket"') WHERE id = ${victim!.id}`;
  const report = (await auditor.query({ type: 'audit.verify' })) as { ok: boolean; firstBroken: Record<string, unknown> };
  expect(report.ok).toBe(false);
  expect(report.firstBroken).toMatchObject({ eventId: victim!.id, streamId: createdId, version: 2, reason: expect.stringContaining('altered') });

  await server.app.db.sql`DELETE FROM feed_entries WHERE event_id = ${victim!.id}`;
  await server.app.db.sql`DELETE FROM events WHERE id = ${victim!.id}`;
  const gap = (await auditor.query({ type: 'audit.verify' })) as { firstBroken: Record<string, unknown> };
  expect(gap.firstBroken).toMatchObject({ streamId: createdId, version: 3, reason: expect.stringContaining('missing') });
  await dispatcher.close();
  await auditor.close();
});
