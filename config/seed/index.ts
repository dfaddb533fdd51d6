/**
 * Loading and validating city seeds: `citySeed` (zod) for the shape, then referential
 * integrity (ids exist and are unique, agencies/kinds agree, stations and streets lie in
 * their district, response plans are satisfiable by the fleet). Any problem throws an
 * Error naming the bad path, e.g. `demo city: units[12].stationId "st-x" does not exist`.
 */
import { citySeed, type CitySeed, type Polygon } from './schema';
import { firstOpenRing, pointInPolygon } from './geometry';
import { demoCity } from './demo-city';

export { pointInPolygon } from './geometry';
export { demoCity } from './demo-city';
export type { CitySeed } from './schema';

/** Thrown by `validateCity`; `problems` lists every integrity problem found (message shows the first few). */
export class CityValidationError extends Error {
  constructor(
    label: string,
    readonly problems: string[],
  ) {
    const shown = problems.slice(0, 10).join('; ');
    const more = problems.length > 10 ? ` (and ${problems.length - 10} more)` : '';
    super(`${label}: ${shown}${more}`);
    this.name = 'CityValidationError';
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(root)';
}

const fmt = ([lon, lat]: readonly [number, number]): string => `[${lon}, ${lat}]`;

/** Every referential-integrity problem of an already shape-checked city, as `path message` strings. */
export function integrityProblems(city: CitySeed): string[] {
  const problems: string[] = [];
  const add = (msg: string) => problems.push(msg);

  function index<T>(name: string, items: readonly T[], key: (t: T) => string, keyName = 'id'): Map<string, T> {
    const map = new Map<string, T>();
    const firstAt = new Map<string, number>();
    items.forEach((item, i) => {
      const k = key(item);
      const prev = firstAt.get(k);
      if (prev !== undefined) add(`${name}[${i}].${keyName} "${k}" is a duplicate of ${name}[${prev}]`);
      else {
        firstAt.set(k, i);
        map.set(k, item);
      }
    });
    return map;
  }

  const agencies = index('agencies', city.agencies, (a) => a.id);
  const districts = index('districts', city.districts, (d) => d.id);
  index('streets', city.streets, (s) => s.id);
  const stations = index('stations', city.stations, (s) => s.id);
  const unitTypes = index('unitTypes', city.unitTypes, (t) => t.id);
  const units = index('units', city.units, (u) => u.id);
  const incidentTypes = index('incidentTypes', city.incidentTypes, (t) => t.id);
  index('grids', city.grids, (g) => g.id);
  index('users', city.users, (u) => u.username, 'username');

  const checkClosed = (path: string, poly: Polygon) => {
    const open = firstOpenRing(poly);
    if (open >= 0) add(`${path}.coordinates[${open}] is not a closed ring (first and last positions differ)`);
  };
  checkClosed('city.boundary', city.city.boundary);
  if (!pointInPolygon(city.city.center, city.city.boundary)) add(`city.center ${fmt(city.city.center)} is outside city.boundary`);
  city.districts.forEach((d, i) => checkClosed(`districts[${i}].boundary`, d.boundary));
  city.grids.forEach((g, i) => checkClosed(`grids[${i}].boundary`, g.boundary));

  const missing = (path: string, value: string) => add(`${path} "${value}" does not exist`);

  city.streets.forEach((s, i) => {
    const d = districts.get(s.districtId);
    if (!d) return missing(`streets[${i}].districtId`, s.districtId);
    s.geometry.coordinates.forEach((p, j) => {
      if (!pointInPolygon(p, d.boundary)) add(`streets[${i}].geometry.coordinates[${j}] ${fmt(p)} is outside district "${d.id}"`);
    });
  });

  city.stations.forEach((s, i) => {
    if (!agencies.has(s.agencyId)) missing(`stations[${i}].agencyId`, s.agencyId);
    const d = districts.get(s.districtId);
    if (!d) return missing(`stations[${i}].districtId`, s.districtId);
    if (!pointInPolygon(s.position, d.boundary)) add(`stations[${i}].position ${fmt(s.position)} is outside district "${d.id}"`);
  });

  city.units.forEach((u, i) => {
    const agency = agencies.get(u.agencyId);
    const type = unitTypes.get(u.typeId);
    const station = stations.get(u.stationId);
    if (!agency) missing(`units[${i}].agencyId`, u.agencyId);
    if (!type) missing(`units[${i}].typeId`, u.typeId);
    if (!station) missing(`units[${i}].stationId`, u.stationId);
    if (agency && type && type.agencyKind !== agency.kind) {
      add(`units[${i}].typeId "${u.typeId}" is a ${type.agencyKind} unit type but agency "${agency.id}" is ${agency.kind}`);
    }
    if (station && agency && station.agencyId !== agency.id) {
      add(`units[${i}].stationId "${u.stationId}" belongs to agency "${station.agencyId}", not "${agency.id}"`);
    }
  });

  const planKeys = new Map<string, number>();
  city.responsePlans.forEach((plan, i) => {
    const type = incidentTypes.get(plan.incidentTypeId);
    if (!type) return missing(`responsePlans[${i}].incidentTypeId`, plan.incidentTypeId);
    const key = `${plan.incidentTypeId}#${plan.priority}`;
    const prev = planKeys.get(key);
    if (prev !== undefined) add(`responsePlans[${i}] duplicates responsePlans[${prev}] ("${plan.incidentTypeId}" priority ${plan.priority})`);
    else planKeys.set(key, i);
    if (plan.dispatchTargetSec > plan.arrivalTargetSec) {
      add(`responsePlans[${i}].dispatchTargetSec ${plan.dispatchTargetSec} exceeds arrivalTargetSec ${plan.arrivalTargetSec}`);
    }
    // Units of the incident type's agency kind whose unit type is known and consistent.
    const fleet = city.units.flatMap((u) => {
      const t = unitTypes.get(u.typeId);
      const a = agencies.get(u.agencyId);
      return t && a && a.kind === type.agencyKind && t.agencyKind === a.kind ? [t] : [];
    });
    let total = 0;
    plan.requirements.forEach((req, j) => {
      total += req.count;
      const have = fleet.filter((t) => t.capabilities.includes(req.capability)).length;
      if (have < req.count) {
        add(`responsePlans[${i}].requirements[${j}] needs ${req.count}× "${req.capability}" but only ${have} ${type.agencyKind} unit(s) provide it`);
      }
    });
    if (total > fleet.length) add(`responsePlans[${i}] needs ${total} units in all but the ${type.agencyKind} fleet has ${fleet.length}`);
  });

  city.grids.forEach((g, i) => {
    if (!districts.has(g.districtId)) missing(`grids[${i}].districtId`, g.districtId);
    for (const [agencyId, stationId] of Object.entries(g.firstDue)) {
      if (!agencies.has(agencyId)) missing(`grids[${i}].firstDue key`, agencyId);
      const station = stations.get(stationId);
      if (!station) missing(`grids[${i}].firstDue.${agencyId}`, stationId);
      else if (station.agencyId !== agencyId) {
        add(`grids[${i}].firstDue.${agencyId} "${stationId}" belongs to agency "${station.agencyId}"`);
      }
    }
  });

  index('lines', city.lines, (l) => l.number, 'number');
  city.lines.forEach((l, i) => {
    if (!agencies.has(l.agencyId)) missing(`lines[${i}].agencyId`, l.agencyId);
  });

  city.users.forEach((u, i) => {
    if (!agencies.has(u.agencyId)) missing(`users[${i}].agencyId`, u.agencyId);
    if (u.jurisdiction !== 'city' && !districts.has(u.jurisdiction)) {
      add(`users[${i}].jurisdiction "${u.jurisdiction}" is neither "city" nor a district id`);
    }
    if (u.role === 'field_unit' && u.unitId === undefined) add(`users[${i}].unitId is required for role field_unit`);
    if (u.unitId !== undefined) {
      const unit = units.get(u.unitId);
      if (!unit) missing(`users[${i}].unitId`, u.unitId);
      else if (unit.agencyId !== u.agencyId) {
        add(`users[${i}].unitId "${u.unitId}" belongs to agency "${unit.agencyId}", not "${u.agencyId}"`);
      }
    }
  });

  return problems;
}

/** Shape-check (zod) and integrity-check any input; returns the parsed city or throws naming the bad path. */
export function validateCity(data: unknown, label = 'city'): CitySeed {
  const parsed = citySeed.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((iss) => `${formatPath(iss.path)}: ${iss.message}`);
    throw new CityValidationError(label, issues);
  }
  const problems = integrityProblems(parsed.data);
  if (problems.length > 0) throw new CityValidationError(label, problems);
  return parsed.data;
}

/** The validated demo city (a fresh parsed copy on each call). */
export function loadDemoCity(): CitySeed {
  return validateCity(demoCity, 'demo city');
}

/** Id of the first district whose boundary contains the point, or null outside every district. */
export function districtAt(city: Pick<CitySeed, 'districts'>, lonLat: [number, number]): string | null {
  return city.districts.find((d) => pointInPolygon(lonLat, d.boundary))?.id ?? null;
}
