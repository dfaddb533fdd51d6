/**
 * The demo city simulator against a real server, through the HTTP API only: calls come in,
 * dispatchers send the recommended units, crews drive there (fast: speeds × 120), work the
 * scene, clear and drive home, and the dispatcher closes the incident.
 */
import { startTestServer, type TestServer } from '../support/app';
import { DemoCitySimulator } from '../simulators/demo-city';

let server: TestServer;
let sim: DemoCitySimulator;
const lines: { msg: string; data?: object }[] = [];

beforeAll(async () => {
  server = await startTestServer();
  sim = new DemoCitySimulator({
    baseUrl: `http://127.0.0.1:${server.port}`, seed: 7, tickMs: 1000, incidentEveryMs: 3000, speedFactor: 120,
    sceneTicks: [1, 3], log: (msg, data) => lines.push({ msg, data }),
  });
});

afterAll(async () => {
  await sim?.stop();
  await server?.stop();
});

async function api<T>(path: string, username = 'supervisor.police'): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${server.port}${path}`, { headers: { authorization: `Bearer ${server.token(username)}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

type Unit = { id: string; status: string; incidentId: string | null; stationId: string; position: { lat: number; lon: number } | null };
type Incident = { id: string; state: string; units: Record<string, unknown>; firstDispatchedAt: string | null; disposition: string | null };

test('a simulated city runs whole incidents: call, dispatch, drive, scene, clear, close, home', async () => {
  const started = Date.now();
  await sim.tick();
  await sim.tick();
  expect(sim.stats.incidentsCreated).toBeGreaterThan(0);
  const open = await api<Incident[]>('/api/v1/incidents');
  expect(open.map((i) => i.id)).toEqual(expect.arrayContaining(sim.journal.created));

  // Run until an incident is closed while its units are on their way home (or already there).
  let cycle: { incidentId: string; units: Unit[] } | null = null;
  for (let i = 0; i < 60 && !cycle; i++) {
    await sim.tick();
    for (const incidentId of sim.journal.closed.keys()) {
      const unitIds = sim.journal.dispatched.get(incidentId) ?? [];
      const units = await Promise.all(unitIds.map((id) => api<Unit>(`/api/v1/units/${id}`)));
      if (units.length > 0 && units.every((u) => ['returning', 'available'].includes(u.status))) cycle = { incidentId, units };
    }
  }
  const report = { ticks: sim.stats.ticks, seconds: (Date.now() - started) / 1000, stats: sim.stats, refusals: sim.journal.refusals };
  console.log(JSON.stringify(report, null, 2));

  expect(sim.stats.dispatched).toBeGreaterThan(0);
  expect(sim.stats.statusChanges).toBeGreaterThan(0);
  expect(sim.stats.positionsSent).toBeGreaterThan(0);
  expect(sim.stats.outages).toBe(0);
  expect(sim.stats.errors).toBeLessThanOrEqual(Math.max(2, sim.stats.commands * 0.05));

  expect(cycle).not.toBeNull();
  const closed = await api<Incident>(`/api/v1/incidents/${cycle!.incidentId}`);
  expect(closed).toMatchObject({ state: 'closed', units: {} });
  expect(closed.firstDispatchedAt).not.toBeNull();
  expect(closed.disposition).toBe(sim.journal.closed.get(cycle!.incidentId));
  for (const u of cycle!.units) expect(u.incidentId).toBeNull();

  // Positions reached the server: a unit that worked the incident is no longer at its station.
  const city = await api<{ stations: { id: string; position: [number, number] }[] }>('/api/v1/city');
  const stationOf = (u: Unit) => city.stations.find((s) => s.id === u.stationId)!.position;
  const worked = await Promise.all([...sim.journal.dispatched.values()].flat().map((id) => api<Unit>(`/api/v1/units/${id}`)));
  const away = worked.filter((u) => u.position && (u.position.lon !== stationOf(u)[0] || u.position.lat !== stationOf(u)[1]));
  expect(away.length).toBeGreaterThan(0);

  // Everything the simulator logged is a line a person could read.
  expect(lines.some((l) => l.msg === 'incident created')).toBe(true);
  expect(lines.some((l) => l.msg === 'dispatched')).toBe(true);
  expect(lines.some((l) => l.msg === 'incident closed')).toBe(true);
});

test('a wrong password or a server that is down is logged and counted, never thrown', async () => {
  const seen: string[] = [];
  const locked = new DemoCitySimulator({ baseUrl: `http://127.0.0.1:${server.port}`, password: 'not-the-password', log: (msg) => seen.push(msg) });
  await expect(locked.tick()).resolves.toBeUndefined();
  expect(locked.stats).toMatchObject({ errors: 1, outages: 0, incidentsCreated: 0 });
  expect(locked.journal.refusals[0]).toMatchObject({ what: 'sign-in', code: 'not_authenticated', message: 'wrong username or password' });

  const down = new DemoCitySimulator({ baseUrl: 'http://127.0.0.1:9', log: (msg) => seen.push(msg) });
  await expect(down.tick()).resolves.toBeUndefined();
  expect(down.stats).toMatchObject({ errors: 0, outages: 1 });
  expect(seen).toEqual(['refused', 'server unreachable']);
});
