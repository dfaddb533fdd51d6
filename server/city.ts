/**
 * The city's reference data (agencies, districts, stations, units, response plans) with the
 * lookups the command handlers and recommendation need. Loaded once from config at start-up.
 */
import { districtAt, type CitySeed } from '../config/seed';
import type { Capability, ResponsePlan, UnitType } from '../config/seed/schema';

export interface UnitProfile {
  id: string;
  callsign: string;
  agencyId: string;
  stationId: string;
  homeDistrictId: string;
  type: UnitType;
  capabilities: Capability[];
}

export class CityModel {
  readonly units = new Map<string, UnitProfile>();
  readonly agencies: Map<string, CitySeed['agencies'][number]>;
  readonly incidentTypes: Map<string, CitySeed['incidentTypes'][number]>;
  readonly maxSpeedKmh: number;

  constructor(readonly seed: CitySeed) {
    this.agencies = new Map(seed.agencies.map((a) => [a.id, a]));
    this.incidentTypes = new Map(seed.incidentTypes.map((t) => [t.id, t]));
    const stations = new Map(seed.stations.map((s) => [s.id, s]));
    const types = new Map(seed.unitTypes.map((t) => [t.id, t]));
    for (const u of seed.units) {
      const type = types.get(u.typeId)!;
      const station = stations.get(u.stationId)!;
      this.units.set(u.id, {
        id: u.id, callsign: u.callsign, agencyId: u.agencyId, stationId: u.stationId,
        homeDistrictId: station.districtId, type, capabilities: type.capabilities,
      });
    }
    this.maxSpeedKmh = Math.max(...seed.unitTypes.map((t) => t.speedKmh));
  }

  districtAt(lat: number, lon: number): string | null {
    return districtAt(this.seed, [lon, lat]);
  }

  stationPosition(stationId: string): { lat: number; lon: number } | null {
    const s = this.seed.stations.find((x) => x.id === stationId);
    return s ? { lon: s.position[0], lat: s.position[1] } : null;
  }

  /** The plan for a type and priority; falls back to the nearest priority the type has. */
  plan(incidentTypeId: string, priority: number): ResponsePlan | null {
    const plans = this.seed.responsePlans.filter((p) => p.incidentTypeId === incidentTypeId);
    if (plans.length === 0) return null;
    return plans.reduce((best, p) => (Math.abs(p.priority - priority) < Math.abs(best.priority - priority) ? p : best));
  }
}
