/**
 * Automatic vehicle location, as Patrol 101's tablet and the police dispatcher see it: a
 * position report is acknowledged only once its breadcrumb trail is stored, the map moves the
 * unit at once, bad reports are refused whole and leave no trace, and a unit reported next to
 * a new incident is the one recommended for it.
 */
import { startTestServer, type TestServer } from '../support/app';
import { TestClient } from '../support/ws-client';
import type { ServerFrame } from '../../server/protocol';

let server: TestServer;
let base: string;
let mapDesk: TestClient;
let district: string;
const FLUSH_MS = 300;

beforeAll(async () => {
  // A slow trail flush, so an acknowledgement sent before the write would be caught.
  server = await startTestServer({ env: { AVL_FLUSH_MS: String(FLUSH_MS) } });
  base = `http://127.0.0.1:${server.port}`;
  district = server.app.city.units.get('P-101')!.homeDistrictId;
  mapDesk = await TestClient.connect(server.port, server.token('dispatcher.police'));
  expect(await mapDesk.subscribe(`units:${district}`)).toMatchObject({ type: 'subscribed' });
});

afterAll(async () => {
  await mapDesk?.close();
  await server?.stop();
});

/** A fix taken `secondsAgo` seconds ago (negative: in the future). */
const at = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000).toISOString();

async function report(username: string, positions: unknown[]) {
  const res = await fetch(`${base}/api/v1/avl`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token(username)}`, 'content-type': 'application/json' },
    body: JSON.stringify({ positions }),
  });
  return { status: res.status, json: (await res.json()) as any };
}

async function trailRows(unitId?: string): Promise<number> {
  const rows = unitId
    ? await server.app.db.sql`SELECT count(*)::int AS n FROM unit_positions WHERE unit_id = ${unitId}`
    : await server.app.db.sql`SELECT count(*)::int AS n FROM unit_positions`;
  return rows[0]!.n as number;
}

test('a batch from Patrol 101 is acknowledged only after its trail is stored, and the map moves the unit', async () => {
  const before = await trailRows('P-101');
  const from = mapDesk.frames.length;
  const fixes = [
    { unitId: 'P-101', lat: 30.2601, lon: 120.1501, at: at(3), heading: 90, speedKmh: 32, accuracyM: 5 },
    { unitId: 'P-101', lat: 30.2611, lon: 120.1521, at: at(1), heading: 85, speedKmh: 35 },
    { unitId: 'P-101', lat: 30.2605, lon: 120.1511, at: at(2) }, // arrived late, but is not the latest fix
  ];
  const started = Date.now();
  const res = await report('p-101', fixes);
  expect(Date.now() - started).toBeGreaterThanOrEqual(FLUSH_MS - 20); // it waited for the batch write
  expect(res).toEqual({ status: 200, json: { accepted: 3 } });
  expect(await trailRows('P-101')).toBe(before + 3);

  const stored = await server.app.db.sql`SELECT lat, lon, heading, speed_kmh FROM unit_positions WHERE unit_id = 'P-101' AND at = ${fixes[0]!.at}`;
  expect(stored[0]).toMatchObject({ lat: 30.2601, lon: 120.1501, heading: 90, speed_kmh: 32 });

  const unit = await fetch(`${base}/api/v1/units/P-101`, { headers: { authorization: `Bearer ${server.token('p-101')}` } });
  const view = (await unit.json()) as { id: string; position: { lat: number; lon: number } };
  expect(view.id).toBe('P-101');
  expect(view.position.lat).toBeCloseTo(30.2611, 4);
  expect(view.position.lon).toBeCloseTo(120.1521, 4);

  const moved = (await mapDesk.next((f) => f.type === 'unit.positions' && f.positions.some((p) => p.at === fixes[1]!.at), 5000, from)) as Extract<ServerFrame, { type: 'unit.positions' }>;
  expect(moved.feed).toBe(`units:${district}`);
  expect(moved.positions).toEqual([expect.objectContaining({ unitId: 'P-101', lat: 30.2611, lon: 120.1521 })]);
  expect(moved.positions[0]).not.toHaveProperty('districtId');
});

test('the same report over the WebSocket is acknowledged with avl.accepted once stored', async () => {
  const tablet = await TestClient.connect(server.port, server.token('p-101'));
  try {
    const before = await trailRows('P-101');
    const accepted = tablet.next((f) => f.type === 'avl.accepted' || f.type === 'error');
    tablet.sendRaw({ type: 'avl.report', positions: [{ unitId: 'P-101', lat: 30.2621, lon: 120.1531, at: at(0.5) }] });
    expect(await accepted).toEqual({ type: 'avl.accepted', count: 1 });
    expect(await trailRows('P-101')).toBe(before + 1);
  } finally {
    await tablet.close();
  }
});

describe('a bad report is refused whole and leaves no trace', () => {
  let rowsBefore: number;
  let positionBefore: unknown;

  beforeEach(async () => {
    rowsBefore = await trailRows();
    positionBefore = await server.app.geo.position('P-101');
  });

  afterEach(async () => {
    await server.app.avl.flush(); // anything queued by the refused report would be written now
    expect(await trailRows()).toBe(rowsBefore);
    expect(await server.app.geo.position('P-101')).toEqual(positionBefore);
  });

  test('a latitude off the planet names the bad field', async () => {
    const res = await report('p-101', [{ unitId: 'P-101', lat: 91, lon: 120.15, at: at(1) }]);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/positions\.0\.lat: latitude must be within -90\.\.90/) });
  });

  test('a fix more than 30 s in the future is refused', async () => {
    const res = await report('p-101', [{ unitId: 'P-101', lat: 30.26, lon: 120.15, at: at(-60) }]);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/positions\[0\]\.at: .* is in the future/) });
  });

  test('a fix older than a day is refused', async () => {
    const res = await report('p-101', [{ unitId: 'P-101', lat: 30.26, lon: 120.15, at: at(25 * 3600) }]);
    expect(res.status).toBe(400);
    expect(res.json.message).toMatch(/positions\[0\]\.at: .* is older than/);
  });

  test('one bad fix in a batch refuses the good ones with it, naming the bad entry', async () => {
    const res = await report('p-101', [
      { unitId: 'P-101', lat: 30.27, lon: 120.15, at: at(2) },
      { unitId: 'P-101', lat: 30.27, lon: 120.15, at: at(-120) },
    ]);
    expect(res.status).toBe(400);
    expect(res.json.message).toContain('positions[1].at');
  });

  test('a unit that does not exist is 404', async () => {
    const res = await report('dispatcher.police', [{ unitId: 'P-999', lat: 30.26, lon: 120.15, at: at(1) }]);
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ code: 'not_found', message: expect.stringContaining('P-999') });
  });

  test('Patrol 101 may not report for Patrol 102', async () => {
    const res = await report('p-101', [{ unitId: 'P-102', lat: 30.26, lon: 120.15, at: at(1) }]);
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ code: 'not_authorized', message: expect.stringContaining('only report its own unit') });
  });

  test('a police dispatcher may not move a fire engine, nor a call taker anything', async () => {
    const dispatcher = await report('dispatcher.police', [{ unitId: 'E-21', lat: 30.26, lon: 120.15, at: at(1) }]);
    expect(dispatcher.status).toBe(403);
    const callTaker = await report('calltaker.police', [{ unitId: 'P-101', lat: 30.26, lon: 120.15, at: at(1) }]);
    expect(callTaker.status).toBe(403);
  });

  test('a refused report over the WebSocket is answered with an error frame', async () => {
    const tablet = await TestClient.connect(server.port, server.token('p-101'));
    try {
      const reply = tablet.next((f) => f.type === 'error' || f.type === 'avl.accepted');
      tablet.sendRaw({ type: 'avl.report', positions: [{ unitId: 'P-102', lat: 30.26, lon: 120.15, at: at(1) }] });
      expect(await reply).toMatchObject({ type: 'error', code: 'not_authorized', message: expect.stringContaining('avl.report') });
    } finally {
      await tablet.close();
    }
  });
});

test('Patrol 101, reported at the scene of a new theft, becomes the recommended unit', async () => {
  const dispatcher = await TestClient.connect(server.port, server.token('dispatcher.police'));
  try {
    // A theft far from Patrol 101's own station, next to another police station.
    const other = server.app.city.seed.stations.find((s) => s.agencyId === 'police' && s.id !== server.app.city.units.get('P-101')!.stationId && s.districtId !== district)!;
    const scene = { lat: other.position[1] + 0.001, lon: other.position[0] + 0.001 };
    const created = await dispatcher.ok({ type: 'incident.create', incidentType: 'theft', priority: 3, location: scene, description: 'phone snatched at the bus stop' });
    const incidentId = created.createdId!;
    type Rec = { recommended: string[]; requirements: { capability: string; units: { unitId: string; distanceKm: number }[] }[] };

    const before = (await dispatcher.query({ type: 'units.recommend', incidentId })) as Rec;
    expect(before.recommended).toHaveLength(1);
    expect(before.recommended[0]).not.toBe('P-101');

    const res = await report('p-101', [{ unitId: 'P-101', ...scene, at: at(0.2) }]);
    expect(res.status).toBe(200);

    const after = (await dispatcher.query({ type: 'units.recommend', incidentId })) as Rec;
    expect(after.recommended).toEqual(['P-101']);
    expect(after.requirements[0]!.units[0]).toMatchObject({ unitId: 'P-101' });
    expect(after.requirements[0]!.units[0]!.distanceKm).toBeLessThan(0.01);
    // The units at the nearby station are still next in line (several tie at the same distance).
    expect(after.requirements[0]!.units[1]!.distanceKm).toBeCloseTo(before.requirements[0]!.units[0]!.distanceKm, 2);
  } finally {
    await dispatcher.close();
  }
});
