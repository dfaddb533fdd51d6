/**
 * Unit recommendation: for each requirement of the incident's response plan, the dispatchable
 * units with the capability, ranked by estimated travel time. Travel time is pluggable; the
 * default is straight-line distance at the unit type's average speed. The search is exact for
 * that estimate: it widens the radius until no farther unit could arrive sooner.
 */
import type { CityModel, UnitProfile } from '../city';
import type { GeoHit, GeoIndex } from './geo-index';

export interface TravelTimeModel {
  /** Seconds for the unit to reach the scene from its position (straight-line distance given). */
  etaSec(unit: UnitProfile, distanceKm: number): number;
  /** The fastest possible speed, km/h, so the search knows when to stop widening. */
  maxSpeedKmh: number;
}

export function straightLineTravel(city: CityModel): TravelTimeModel {
  return { etaSec: (unit, km) => (km / unit.type.speedKmh) * 3600, maxSpeedKmh: city.maxSpeedKmh };
}

export interface Candidate {
  unitId: string;
  callsign: string;
  typeId: string;
  agencyId: string;
  capabilities: string[];
  distanceKm: number;
  etaSec: number;
}

export interface Recommendation {
  incidentId: string;
  requirements: { capability: string; count: number; units: Candidate[]; shortBy: number }[];
  /** The units to dispatch with one key: the best candidate(s) for each requirement, no unit twice. */
  recommended: string[];
}

export interface RecommendInput {
  incidentId: string;
  location: { lat: number; lon: number };
  agencyId: string;
  requirements: { capability: string; count: number }[];
  exclude: Set<string>;
  /** Candidates listed per requirement (the best `count` are recommended). */
  limit: number;
}

export async function recommendUnits(city: CityModel, geo: GeoIndex, travel: TravelTimeModel, input: RecommendInput): Promise<Recommendation> {
  const taken = new Set<string>();
  const requirements: Recommendation['requirements'] = [];
  for (const req of input.requirements) {
    const listed = Math.max(req.count, input.limit);
    // Ask for enough that, once units taken by earlier requirements are dropped, the top is exact.
    const ranked = (await rankedCandidates(city, geo, travel, req.capability, input, listed + taken.size))
      .filter((c) => !taken.has(c.unitId));
    const picked = ranked.slice(0, req.count);
    picked.forEach((c) => taken.add(c.unitId));
    requirements.push({ capability: req.capability, count: req.count, units: ranked.slice(0, listed), shortBy: req.count - picked.length });
  }
  return { incidentId: input.incidentId, requirements, recommended: [...taken] };
}

async function rankedCandidates(
  city: CityModel, geo: GeoIndex, travel: TravelTimeModel, capability: string, input: RecommendInput, want: number,
): Promise<Candidate[]> {
  const toCandidates = (hits: GeoHit[]) => hits.flatMap((h): Candidate[] => {
    const unit = city.units.get(h.unitId);
    if (!unit || input.exclude.has(h.unitId) || unit.agencyId !== input.agencyId) return [];
    return [{
      unitId: unit.id, callsign: unit.callsign, typeId: unit.type.id, agencyId: unit.agencyId,
      capabilities: unit.capabilities, distanceKm: h.distanceKm, etaSec: travel.etaSec(unit, h.distanceKm),
    }];
  });
  let fetch = Math.max(want * 4, 16);
  for (;;) {
    const hits = await geo.nearest(capability, input.location, fetch);
    const ranked = toCandidates(hits).sort((a, b) => a.etaSec - b.etaSec);
    const exhausted = hits.length < fetch;
    const farthest = hits.at(-1)?.distanceKm ?? 0;
    const worstKept = ranked[Math.min(want, ranked.length) - 1]?.etaSec ?? Infinity;
    // A unit beyond `farthest` needs at least farthest / maxSpeed; stop when that cannot win.
    if (exhausted || (ranked.length >= want && (farthest / travel.maxSpeedKmh) * 3600 >= worstKept)) return ranked;
    fetch *= 4;
  }
}
