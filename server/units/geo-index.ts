/**
 * Latest unit positions for nearest-unit queries. Units eligible for dispatch are indexed per
 * capability, so "nearest available ALS unit" is one query. Two implementations: in-memory
 * (embedded default) and Redis GEO (shared by every server node).
 */
export interface GeoHit {
  unitId: string;
  distanceKm: number;
  lat: number;
  lon: number;
}

export interface GeoIndex {
  /** Records latest positions (and re-indexes eligible units under their capabilities). */
  update(positions: { unitId: string; lat: number; lon: number }[]): Promise<void>;
  /** Capabilities under which the unit is dispatchable now, or null when it is not. */
  setEligible(unitId: string, capabilities: string[] | null): Promise<void>;
  /** Eligible units with the capability, nearest first. */
  nearest(capability: string, at: { lat: number; lon: number }, count: number): Promise<GeoHit[]>;
  /** Eligible units with the capability within radiusKm, nearest first. */
  within(capability: string, at: { lat: number; lon: number }, radiusKm: number): Promise<GeoHit[]>;
  position(unitId: string): Promise<{ lat: number; lon: number } | null>;
  close(): Promise<void>;
}

const EARTH_KM = 6371.0088;

/** Great-circle distance in km. */
export function haversineKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

export class MemoryGeoIndex implements GeoIndex {
  private readonly positions = new Map<string, { lat: number; lon: number }>();
  private readonly byCapability = new Map<string, Set<string>>();
  private readonly eligible = new Map<string, string[]>();

  async update(positions: { unitId: string; lat: number; lon: number }[]): Promise<void> {
    for (const p of positions) this.positions.set(p.unitId, { lat: p.lat, lon: p.lon });
  }

  async setEligible(unitId: string, capabilities: string[] | null): Promise<void> {
    for (const cap of this.eligible.get(unitId) ?? []) this.byCapability.get(cap)?.delete(unitId);
    if (!capabilities) {
      this.eligible.delete(unitId);
      return;
    }
    this.eligible.set(unitId, capabilities);
    for (const cap of capabilities) {
      let set = this.byCapability.get(cap);
      if (!set) this.byCapability.set(cap, (set = new Set()));
      set.add(unitId);
    }
  }

  private scan(capability: string, at: { lat: number; lon: number }): GeoHit[] {
    const hits: GeoHit[] = [];
    for (const unitId of this.byCapability.get(capability) ?? []) {
      const p = this.positions.get(unitId);
      if (p) hits.push({ unitId, distanceKm: haversineKm(at, p), lat: p.lat, lon: p.lon });
    }
    return hits.sort((a, b) => a.distanceKm - b.distanceKm);
  }

  async nearest(capability: string, at: { lat: number; lon: number }, count: number): Promise<GeoHit[]> {
    return this.scan(capability, at).slice(0, count);
  }

  async within(capability: string, at: { lat: number; lon: number }, radiusKm: number): Promise<GeoHit[]> {
    return this.scan(capability, at).filter((h) => h.distanceKm <= radiusKm);
  }

  async position(unitId: string) {
    return this.positions.get(unitId) ?? null;
  }

  async close(): Promise<void> {}
}
