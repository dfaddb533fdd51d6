/**
 * Unit types and the unit roster of the demo city. Units are generated from a compact
 * station × type × count table; ids and callsigns are numbered per id prefix, in table order,
 * so the roster is fully deterministic (e.g. P-101 "Patrol 101", E-21 "Engine 21", A-31 "Medic 31").
 */
import type { Station, UnitSeed, UnitType } from './schema';
import { DISTRICT_IDS, stations } from './layout';

export const unitTypes: UnitType[] = [
  // 公安 police
  { id: 'patrol-car', agencyKind: 'police', name: 'Patrol Car', nameZh: '巡逻警车', speedKmh: 50, capabilities: ['patrol', 'traffic'] },
  { id: 'police-motorcycle', agencyKind: 'police', name: 'Police Motorcycle', nameZh: '警用摩托车', speedKmh: 45, capabilities: ['patrol', 'traffic'] },
  { id: 'k9-unit', agencyKind: 'police', name: 'K9 Unit', nameZh: '警犬车', speedKmh: 50, capabilities: ['patrol', 'k9'] },
  { id: 'swat-van', agencyKind: 'police', name: 'SWAT Van', nameZh: '特警突击车', speedKmh: 45, capabilities: ['swat'] },
  // 消防 fire
  { id: 'fire-engine', agencyKind: 'fire', name: 'Fire Engine', nameZh: '水罐消防车', speedKmh: 40, capabilities: ['fire-suppression'] },
  { id: 'ladder-truck', agencyKind: 'fire', name: 'Aerial Ladder Truck', nameZh: '登高平台消防车', speedKmh: 35, capabilities: ['aerial-ladder', 'fire-suppression'] },
  { id: 'rescue-unit', agencyKind: 'fire', name: 'Heavy Rescue Unit', nameZh: '抢险救援消防车', speedKmh: 40, capabilities: ['heavy-rescue', 'water-rescue'] },
  { id: 'hazmat-unit', agencyKind: 'fire', name: 'Hazmat Unit', nameZh: '危化品洗消车', speedKmh: 35, capabilities: ['hazmat'] },
  { id: 'fire-command', agencyKind: 'fire', name: 'Fire Command Car', nameZh: '消防指挥车', speedKmh: 55, capabilities: ['command'] },
  // 急救 ems
  { id: 'als-ambulance', agencyKind: 'ems', name: 'ALS Ambulance', nameZh: '高级生命支持救护车', speedKmh: 45, capabilities: ['als', 'bls', 'transport'] },
  { id: 'bls-ambulance', agencyKind: 'ems', name: 'BLS Ambulance', nameZh: '基础生命支持救护车', speedKmh: 45, capabilities: ['bls', 'transport'] },
  { id: 'ems-supervisor', agencyKind: 'ems', name: 'EMS Supervisor Car', nameZh: '急救指挥车', speedKmh: 55, capabilities: ['command', 'als'] },
  // 城管 city management
  { id: 'road-repair-truck', agencyKind: 'city', name: 'Road Repair Truck', nameZh: '道路抢修车', speedKmh: 35, capabilities: ['road-repair'] },
  { id: 'utilities-crew', agencyKind: 'city', name: 'Utilities Crew Truck', nameZh: '市政设施抢修车', speedKmh: 35, capabilities: ['utilities'] },
  { id: 'tow-truck', agencyKind: 'city', name: 'Tow Truck', nameZh: '清障拖车', speedKmh: 40, capabilities: ['tow'] },
  { id: 'city-inspector', agencyKind: 'city', name: 'Urban Management Patrol', nameZh: '城管巡查车', speedKmh: 40, capabilities: ['patrol'] },
];

/** Id prefix, callsign word and first number per unit type; types sharing a prefix share the counter. */
const naming: Record<string, { prefix: string; callsign: string; start: number }> = {
  'patrol-car': { prefix: 'P', callsign: 'Patrol', start: 101 },
  'police-motorcycle': { prefix: 'P', callsign: 'Moto', start: 101 },
  'k9-unit': { prefix: 'P', callsign: 'K9', start: 101 },
  'swat-van': { prefix: 'P', callsign: 'SWAT', start: 101 },
  'fire-engine': { prefix: 'E', callsign: 'Engine', start: 21 },
  'ladder-truck': { prefix: 'L', callsign: 'Ladder', start: 21 },
  'rescue-unit': { prefix: 'R', callsign: 'Rescue', start: 21 },
  'hazmat-unit': { prefix: 'HZ', callsign: 'Hazmat', start: 21 },
  'fire-command': { prefix: 'B', callsign: 'Battalion', start: 21 },
  'als-ambulance': { prefix: 'A', callsign: 'Medic', start: 31 },
  'bls-ambulance': { prefix: 'A', callsign: 'Ambulance', start: 31 },
  'ems-supervisor': { prefix: 'ES', callsign: 'EMS Supervisor', start: 31 },
  'road-repair-truck': { prefix: 'C', callsign: 'Road Crew', start: 41 },
  'utilities-crew': { prefix: 'C', callsign: 'Utility', start: 41 },
  'tow-truck': { prefix: 'C', callsign: 'Tow', start: 41 },
  'city-inspector': { prefix: 'C', callsign: 'Inspector', start: 41 },
};

type RosterRow = [stationId: string, typeId: string, count: number];

const roster: RosterRow[] = [
  // police: 4 × (5 cars + 1 motorcycle) + 2 K9 + 2 SWAT = 28
  ['st-police-xihu', 'patrol-car', 5],
  ['st-police-shangcheng', 'patrol-car', 5],
  ['st-police-binjiang', 'patrol-car', 5],
  ['st-police-hq', 'patrol-car', 5],
  ['st-police-xihu', 'police-motorcycle', 1],
  ['st-police-shangcheng', 'police-motorcycle', 1],
  ['st-police-binjiang', 'police-motorcycle', 1],
  ['st-police-hq', 'police-motorcycle', 1],
  ['st-police-hq', 'k9-unit', 2],
  ['st-police-hq', 'swat-van', 2],
  // fire: 10 engines, 4 ladders, 3 rescues, 3 hazmat, 2 command = 22
  ['st-fire-xihu', 'fire-engine', 2],
  ['st-fire-shangcheng', 'fire-engine', 3],
  ['st-fire-binjiang', 'fire-engine', 3],
  ['st-fire-binjiang-east', 'fire-engine', 2],
  ['st-fire-xihu', 'ladder-truck', 1],
  ['st-fire-shangcheng', 'ladder-truck', 1],
  ['st-fire-binjiang', 'ladder-truck', 1],
  ['st-fire-binjiang-east', 'ladder-truck', 1],
  ['st-fire-xihu', 'rescue-unit', 1],
  ['st-fire-binjiang', 'rescue-unit', 1],
  ['st-fire-binjiang-east', 'rescue-unit', 1],
  ['st-fire-xihu', 'hazmat-unit', 1],
  ['st-fire-shangcheng', 'hazmat-unit', 1],
  ['st-fire-binjiang', 'hazmat-unit', 1],
  ['st-fire-shangcheng', 'fire-command', 1],
  ['st-fire-binjiang', 'fire-command', 1],
  // ems: 9 ALS, 3 BLS, 2 supervisors = 14
  ['st-ems-xihu', 'als-ambulance', 3],
  ['st-ems-shangcheng', 'als-ambulance', 3],
  ['st-ems-binjiang', 'als-ambulance', 3],
  ['st-ems-xihu', 'bls-ambulance', 1],
  ['st-ems-shangcheng', 'bls-ambulance', 1],
  ['st-ems-binjiang', 'bls-ambulance', 1],
  ['st-ems-shangcheng', 'ems-supervisor', 1],
  ['st-ems-binjiang', 'ems-supervisor', 1],
  // city: 2 road repair, 3 utilities, 2 tow, 2 inspectors = 9
  ['st-city-shangcheng', 'road-repair-truck', 1],
  ['st-city-binjiang', 'road-repair-truck', 1],
  ['st-city-shangcheng', 'utilities-crew', 2],
  ['st-city-binjiang', 'utilities-crew', 1],
  ['st-city-shangcheng', 'tow-truck', 1],
  ['st-city-binjiang', 'tow-truck', 1],
  ['st-city-shangcheng', 'city-inspector', 1],
  ['st-city-binjiang', 'city-inspector', 1],
];

function talkgroupFor(station: Station, typeId: string): string {
  switch (station.agencyId) {
    case 'police': {
      if (typeId === 'k9-unit' || typeId === 'swat-van') return 'police-tac';
      const d = DISTRICT_IDS.indexOf(station.districtId as (typeof DISTRICT_IDS)[number]);
      return `police-d${d + 1}`;
    }
    case 'fire':
      return 'fire-main';
    case 'ems':
      return 'ems-main';
    default:
      return 'city-ops';
  }
}

function buildUnits(): UnitSeed[] {
  const next = new Map<string, number>();
  const out: UnitSeed[] = [];
  for (const [stationId, typeId, count] of roster) {
    const station = stations.find((s) => s.id === stationId);
    const name = naming[typeId];
    if (!station || !name) throw new Error(`units roster: unknown station "${stationId}" or type "${typeId}"`);
    for (let i = 0; i < count; i++) {
      const n = next.get(name.prefix) ?? name.start;
      next.set(name.prefix, n + 1);
      out.push({
        id: `${name.prefix}-${n}`,
        callsign: `${name.callsign} ${n}`,
        typeId,
        agencyId: station.agencyId,
        stationId,
        talkgroup: talkgroupFor(station, typeId),
      });
    }
  }
  return out;
}

export const units: UnitSeed[] = buildUnits();
