/** Two dispatchers grab the same unit for two incidents at the same moment: exactly one wins. */
import { startTestServer, type TestServer } from '../support/app';
import { TestClient } from '../support/ws-client';

let server: TestServer;
beforeAll(async () => { server = await startTestServer(); });
afterAll(async () => { await server?.stop(); });

test('two concurrent dispatches of one unit: exactly one wins, the other is told why', async () => {
  const a = await TestClient.connect(server.port, server.token('dispatcher.police'));
  const b = await TestClient.connect(server.port, server.token('supervisor.police'));
  for (let round = 0; round < 5; round++) {
    const unitId = `P-10${round + 1}`;
    const mk = (c: TestClient) => c.ok({ type: 'incident.create', incidentType: 'theft', priority: 2, location: { lat: 30.25, lon: 120.15 }, description: `round ${round}` });
    const [i1, i2] = await Promise.all([mk(a), mk(b)]);
    const results = await Promise.all([
      a.command({ type: 'incident.dispatch', incidentId: i1.createdId!, unitIds: [unitId] }),
      b.command({ type: 'incident.dispatch', incidentId: i2.createdId!, unitIds: [unitId] }),
    ]);
    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    const loser = results.find((r) => !r.ok)!;
    expect(loser).toMatchObject({ ok: false, code: 'rejected_by_state_machine' });
    const unit = (await a.query({ type: 'unit.get', unitId })) as { status: string; incidentId: string };
    const winnerIncident = results[0]!.ok ? i1.createdId : i2.createdId;
    expect(unit).toMatchObject({ status: 'dispatched', incidentId: winnerIncident });
    const [i1v, i2v] = await Promise.all([i1, i2].map((i) => a.query({ type: 'incident.get', incidentId: i.createdId! }))) as { units: Record<string, unknown> }[];
    expect(Object.keys(i1v!.units).length + Object.keys(i2v!.units).length).toBe(1);
  }
  await a.close();
  await b.close();
});
