/**
 * The demo city "Beacon City / 灯塔市" (centred at lon 120.16, lat 30.26; 12 km × 10 km).
 * Geography lives in ./layout, the fleet in ./units, incident types and plans in ./incidents,
 * phone lines in ./lines; this file derives the responsibility grids and the demo users and
 * assembles the seed.
 * Everything is deterministic. Validate with `loadDemoCity()` from ./index.
 */
import type { CitySeed, DemoUser, Station } from './schema';
import { CITY_CENTER, distanceKm, pointInPolygon, rectKm, ringCenter, type LonLat } from './geometry';
import { agencies, cityBoundary, CITY_ID, DISTRICT_IDS, districts, stations, streets } from './layout';
import { unitTypes, units } from './units';
import { incidentTypes, responsePlans } from './incidents';
import { lines } from './lines';

type Grid = CitySeed['grids'][number];

/** Grid cell size, km; the 12 × 10 km city is covered by 6 columns × 5 rows of whole squares. */
export const GRID_CELL_KM = 2;
const GRID_COLS = 6;
const GRID_ROWS = 5;
const ROW_LETTERS = 'ABCDE';

function nearestStation(point: LonLat, candidates: readonly Station[]): Station {
  let best: Station | undefined;
  let bestKm = Infinity;
  for (const s of candidates) {
    const d = distanceKm(point, s.position);
    if (d < bestKm) {
      best = s;
      bestKm = d;
    }
  }
  if (!best) throw new Error('grids: no candidate stations');
  return best;
}

/** Cells are named G-<row><col>: row A is the northernmost, column 1 the westernmost. */
function buildGrids(): Grid[] {
  const out: Grid[] = [];
  for (let r = 0; r < GRID_ROWS; r++) {
    const y1 = 5 - r * GRID_CELL_KM;
    const y0 = y1 - GRID_CELL_KM;
    for (let c = 0; c < GRID_COLS; c++) {
      const x0 = -6 + c * GRID_CELL_KM;
      const boundary = rectKm(x0, y0, x0 + GRID_CELL_KM, y1);
      const centre = ringCenter(boundary);
      const district = districts.find((d) => pointInPolygon(centre, d.boundary));
      if (!district) throw new Error(`grids: cell centre ${centre.join(',')} lies in no district`);
      const firstDue: Record<string, string> = {};
      for (const agency of agencies) {
        firstDue[agency.id] = nearestStation(centre, stations.filter((s) => s.agencyId === agency.id)).id;
      }
      out.push({ id: `G-${ROW_LETTERS[r]}${c + 1}`, districtId: district.id, boundary, firstDue });
    }
  }
  return out;
}

const agencyZh: Record<string, string> = { police: '公安', fire: '消防', ems: '急救', city: '城管' };

function buildUsers(): DemoUser[] {
  const staff: DemoUser[] = [
    ...agencies.map((a): DemoUser => ({
      username: `dispatcher.${a.id}`,
      displayName: `${a.id === 'ems' ? 'EMS' : a.id[0]!.toUpperCase() + a.id.slice(1)} Dispatcher (${agencyZh[a.id] ?? a.nameZh}调度员)`,
      role: 'dispatcher',
      agencyId: a.id,
      jurisdiction: 'city',
    })),
    {
      username: `dispatcher.police.d1`,
      displayName: `Police Dispatcher, ${districts[0]!.name} (${districts[0]!.nameZh}公安调度员)`,
      role: 'dispatcher',
      agencyId: 'police',
      jurisdiction: DISTRICT_IDS[0],
    },
    { username: 'calltaker.police', displayName: 'Police Call Taker (110接警员)', role: 'call_taker', agencyId: 'police', jurisdiction: 'city' },
    { username: 'supervisor.police', displayName: 'Duty Supervisor (值班长)', role: 'supervisor', agencyId: 'police', jurisdiction: 'city' },
    { username: 'commander.fire', displayName: 'Fire Incident Commander (消防现场指挥员)', role: 'incident_commander', agencyId: 'fire', jurisdiction: 'city' },
    { username: 'liaison.city', displayName: 'City Management Liaison (城管联络员)', role: 'agency_liaison', agencyId: 'city', jurisdiction: 'city' },
    { username: 'auditor', displayName: 'Auditor (审计员)', role: 'auditor', agencyId: 'city', jurisdiction: 'city' },
  ];
  const field = units.map((u): DemoUser => ({
    username: u.id.toLowerCase(),
    displayName: u.callsign,
    role: 'field_unit',
    agencyId: u.agencyId,
    jurisdiction: 'city',
    unitId: u.id,
  }));
  return [...staff, ...field];
}

export const demoCity: CitySeed = {
  city: {
    id: CITY_ID,
    name: 'Beacon City',
    nameZh: '灯塔市',
    center: [CITY_CENTER[0], CITY_CENTER[1]],
    boundary: cityBoundary,
  },
  agencies,
  districts,
  streets,
  stations,
  unitTypes,
  units,
  incidentTypes,
  responsePlans,
  grids: buildGrids(),
  lines,
  users: buildUsers(),
};
