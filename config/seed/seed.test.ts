import type { CitySeed, Polygon } from './schema';
import { demoCity, districtAt, loadDemoCity, pointInPolygon, validateCity } from './index';
import { at, distanceKm, ringCenter } from './geometry';

const clone = (): CitySeed => structuredClone(demoCity);

describe('demo city seed', () => {
  const city = loadDemoCity();

  it('validates against the schema and the integrity checks', () => {
    expect(() => validateCity(demoCity)).not.toThrow();
    expect(city.city.name).toBe('Beacon City');
    expect(city.city.nameZh).toBe('灯塔市');
  });

  it('has the required counts', () => {
    expect(city.districts).toHaveLength(3);
    expect(city.streets.length).toBeGreaterThanOrEqual(18);
    expect(city.agencies.map((a) => a.id).sort()).toEqual(['city', 'ems', 'fire', 'police']);
    expect(city.stations.length).toBeGreaterThanOrEqual(12);
    expect(new Set(city.stations.map((s) => s.districtId)).size).toBe(3);
    expect(city.unitTypes.length).toBeGreaterThanOrEqual(8);
    expect(city.units.length).toBeGreaterThanOrEqual(64);
    expect(city.incidentTypes.length).toBeGreaterThanOrEqual(12);
    expect(city.grids).toHaveLength(30);
    for (const kind of ['police', 'fire', 'ems', 'city'] as const) {
      expect(city.stations.some((s) => s.agencyId === kind)).toBe(true);
      expect(city.units.some((u) => u.agencyId === kind)).toBe(true);
    }
  });

  it('has plans for priorities 2 and 3 (and at least two) for every incident type', () => {
    for (const t of city.incidentTypes) {
      const priorities = city.responsePlans.filter((p) => p.incidentTypeId === t.id).map((p) => p.priority);
      expect(priorities).toEqual(expect.arrayContaining([2, 3]));
      expect(priorities.length).toBeGreaterThanOrEqual(2);
    }
    const sf1 = city.responsePlans.find((p) => p.incidentTypeId === 'structure-fire' && p.priority === 1);
    expect(sf1).toMatchObject({ dispatchTargetSec: 60, arrivalTargetSec: 480, ackTimeoutSec: 30 });
  });

  it('uses human-readable callsigns and one field user per unit', () => {
    expect(city.units.find((u) => u.id === 'P-101')?.callsign).toBe('Patrol 101');
    expect(city.units.find((u) => u.id === 'E-21')?.callsign).toBe('Engine 21');
    expect(city.units.find((u) => u.id === 'A-31')?.callsign).toBe('Medic 31');
    expect(city.units.find((u) => u.id === 'C-41')?.agencyId).toBe('city');
    for (const u of city.units) {
      const user = city.users.find((x) => x.username === u.id.toLowerCase());
      expect(user).toMatchObject({ role: 'field_unit', unitId: u.id, agencyId: u.agencyId, jurisdiction: 'city' });
    }
    for (const a of city.agencies) {
      expect(city.users.find((u) => u.username === `dispatcher.${a.id}`)).toMatchObject({ role: 'dispatcher', jurisdiction: 'city' });
    }
    expect(city.users.find((u) => u.username === 'dispatcher.police.d1')?.jurisdiction).toBe(city.districts[0]!.id);
    const roles = new Set(city.users.map((u) => u.role));
    for (const r of ['call_taker', 'supervisor', 'incident_commander', 'agency_liaison', 'auditor'] as const) expect(roles.has(r)).toBe(true);
  });

  it('districts tile the city: each sampled point of the city lies in exactly one district', () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let i = 0; i < 2000; i++) {
      const p = at(-6 + 12 * rand(), -5 + 10 * rand());
      if (!pointInPolygon(p, city.city.boundary)) continue;
      expect(city.districts.filter((d) => pointInPolygon(p, d.boundary))).toHaveLength(1);
    }
  });

  it('assigns each grid to the district of its centre and the nearest station per agency', () => {
    for (const g of city.grids) {
      const centre = ringCenter(g.boundary);
      expect(districtAt(city, centre)).toBe(g.districtId);
      expect(Object.keys(g.firstDue).sort()).toEqual(['city', 'ems', 'fire', 'police']);
      for (const [agencyId, stationId] of Object.entries(g.firstDue)) {
        const d = (id: string) => distanceKm(centre, city.stations.find((s) => s.id === id)!.position);
        const best = Math.min(...city.stations.filter((s) => s.agencyId === agencyId).map((s) => d(s.id)));
        expect(d(stationId)).toBeCloseTo(best, 9);
      }
    }
  });
});

describe('validateCity', () => {
  it('rejects a unit pointing at a missing station, naming the path', () => {
    const bad = clone();
    bad.units[12]!.stationId = 'st-x';
    expect(() => validateCity(bad)).toThrow(/units\[12\]\.stationId "st-x" does not exist/);
  });

  it('rejects a unit type whose agencyKind does not match its units’ agency', () => {
    const bad = clone();
    const i = bad.unitTypes.findIndex((t) => t.id === 'fire-engine');
    bad.unitTypes[i]!.agencyKind = 'police';
    expect(() => validateCity(bad)).toThrow(/units\[\d+\]\.typeId "fire-engine" is a police unit type but agency "fire" is fire/);
  });

  it('rejects schema errors with the zod path', () => {
    const bad = clone() as unknown as { stations: { position: unknown }[] };
    bad.stations[2]!.position = [500, 30];
    expect(() => validateCity(bad)).toThrow(/stations\[2\]\.position\[0\]/);
  });

  it('rejects duplicate ids, unsatisfiable plans and stations outside their district', () => {
    const dup = clone();
    dup.units[5]!.id = dup.units[4]!.id;
    expect(() => validateCity(dup)).toThrow(/units\[5\]\.id ".+" is a duplicate of units\[4\]/);

    const plan = clone();
    plan.responsePlans[0]!.requirements = [{ capability: 'swat', count: 9 }];
    expect(() => validateCity(plan)).toThrow(/responsePlans\[0\]\.requirements\[0\] needs 9× "swat"/);

    const moved = clone();
    moved.stations[0]!.position = at(-5, -4);
    expect(() => validateCity(moved)).toThrow(/stations\[0\]\.position .* is outside district/);
  });

  it('prefixes messages with the given label (loadDemoCity uses "demo city")', () => {
    expect(() => validateCity({}, 'demo city')).toThrow(/^demo city: /);
  });
});

describe('phone lines', () => {
  it('maps 110, 119, 120 and the 12345 citizen line to the agency queues, emergency lines first', () => {
    const city = loadDemoCity();
    const byNumber = new Map(city.lines.map((l) => [l.number, l]));
    expect(byNumber.get('110')).toMatchObject({ agencyId: 'police', priority: 1, emergency: true });
    expect(byNumber.get('119')).toMatchObject({ agencyId: 'fire', priority: 1 });
    expect(byNumber.get('120')).toMatchObject({ agencyId: 'ems', priority: 1 });
    expect(byNumber.get('12345')).toMatchObject({ agencyId: 'city', emergency: false });
    expect(byNumber.get('122')!.priority).toBeGreaterThan(byNumber.get('110')!.priority);
  });

  it('rejects a line of an unknown agency, a duplicate number and bad digits, naming the path', () => {
    const bad = clone();
    bad.lines.push({ ...bad.lines[0]!, agencyId: 'coastguard' }, { ...bad.lines[1]!, number: '119' });
    expect(() => validateCity(bad)).toThrow(/lines\[5\]\.agencyId "coastguard" does not exist/);
    expect(() => validateCity(bad)).toThrow(/lines\[6\]\.number "119" is a duplicate of lines\[2\]/);
    const digits = clone();
    digits.lines[0]!.number = '11O';
    expect(() => validateCity(digits)).toThrow(/lines\[0\]\.number: must be the dialled digits/);
  });

  it('lets a city without phones leave lines out', () => {
    const { lines: _l, ...noPhones } = clone();
    expect(validateCity(noPhones).lines).toEqual([]);
  });
});

describe('pointInPolygon / districtAt', () => {
  const city = loadDemoCity();
  const square: Polygon = {
    type: 'Polygon',
    coordinates: [
      [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
      [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]],
    ],
  };

  it('handles outer ring and holes', () => {
    expect(pointInPolygon([1, 1], square)).toBe(true);
    expect(pointInPolygon([5, 5], square)).toBe(false); // in the hole
    expect(pointInPolygon([7, 5], square)).toBe(true);
    expect(pointInPolygon([11, 5], square)).toBe(false);
    expect(pointInPolygon([-1, -1], square)).toBe(false);
  });

  it('finds the district of known points', () => {
    expect(districtAt(city, at(-4, 0))).toBe('xihu');
    expect(districtAt(city, at(3, 3))).toBe('shangcheng');
    expect(districtAt(city, at(3, -3))).toBe('binjiang');
    expect(districtAt(city, [120.12, 30.28])).toBe('xihu');
    expect(districtAt(city, [120.2, 30.29])).toBe('shangcheng');
    expect(districtAt(city, [120.2, 30.23])).toBe('binjiang');
  });

  it('returns null outside the city', () => {
    expect(districtAt(city, at(8, 0))).toBeNull();
    expect(districtAt(city, [120.16, 30.4])).toBeNull();
    expect(pointInPolygon([121, 31], city.city.boundary)).toBe(false);
  });
});
