/**
 * The scene asks for more: a fire commander's resource request raises an alert for dispatch
 * and the next recommendation covers it on top of the response plan.
 */
import { startTestServer, type TestServer } from '../support/app';
import { TestClient } from '../support/ws-client';
import type { Recommendation } from '../../server/units/recommend';

let server: TestServer;
beforeAll(async () => { server = await startTestServer(); });
afterAll(async () => { await server?.stop(); });

test('a commander\'s request for two more engines is added to what dispatch is recommended', async () => {
  const desk = await TestClient.connect(server.port, server.token('dispatcher.fire'));
  const commander = await TestClient.connect(server.port, server.token('commander.fire'));
  const { createdId } = await desk.ok({ type: 'incident.create', incidentType: 'structure-fire', priority: 2, location: { lat: 30.26, lon: 120.16 }, description: 'smoke from 4th floor' });
  const incidentId = createdId!;
  const first = (await desk.query({ type: 'units.recommend', incidentId })) as Recommendation;
  await desk.ok({ type: 'incident.dispatch', incidentId, unitIds: first.recommended });
  const planEngines = first.requirements.find((r) => r.capability === 'fire-suppression')!.count;

  await commander.ok({ type: 'incident.unit.division', incidentId, unitId: first.recommended[0]!, division: 'Division A' });
  await commander.ok({ type: 'incident.resources.request', incidentId, requests: [{ capability: 'fire-suppression', count: 2 }], note: 'fire spreading to 5th floor' });
  const incident = (await desk.query({ type: 'incident.get', incidentId })) as { alerts: { kind: string }[]; divisions: Record<string, string> };
  expect(incident.alerts.map((a) => a.kind)).toContain('resource_request');
  expect(incident.divisions).toEqual({ [first.recommended[0]!]: 'Division A' });

  const second = (await desk.query({ type: 'units.recommend', incidentId })) as Recommendation;
  const engines = second.requirements.find((r) => r.capability === 'fire-suppression')!;
  expect(engines.count).toBe(planEngines + 2);
  expect(second.recommended.some((u) => first.recommended.includes(u))).toBe(false);
  expect(second.recommended.length).toBeGreaterThanOrEqual(2);

  const police = await TestClient.connect(server.port, server.token('dispatcher.police'));
  expect(await police.command({ type: 'incident.resources.request', incidentId, requests: [{ capability: 'patrol', count: 1 }], note: '' }))
    .toMatchObject({ ok: false, code: 'not_authorized' });
  await Promise.all([desk.close(), commander.close(), police.close()]);
});
