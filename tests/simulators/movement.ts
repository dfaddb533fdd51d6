/**
 * How simulated vehicles move: straight-line driving toward a target at a speed, and a slow
 * patrol around a home point. Distances are equirectangular km, accurate to metres over a city.
 */
import type { SeededRandom } from './random';

/** A point as the wire protocol writes it. */
export interface LatLon {
  lat: number;
  lon: number;
}

const DEG = Math.PI / 180;
const KM_PER_DEG_LAT = 110.574;
const kmPerDegLon = (lat: number) => 111.32 * Math.cos(lat * DEG);

/** Straight-line distance, km. */
export function distanceKm(a: LatLon, b: LatLon): number {
  const dx = (b.lon - a.lon) * kmPerDegLon((a.lat + b.lat) / 2);
  const dy = (b.lat - a.lat) * KM_PER_DEG_LAT;
  return Math.hypot(dx, dy);
}

/** Compass bearing from a to b, degrees in [0, 360). */
export function bearingDeg(a: LatLon, b: LatLon): number {
  const dx = (b.lon - a.lon) * kmPerDegLon((a.lat + b.lat) / 2);
  const dy = (b.lat - a.lat) * KM_PER_DEG_LAT;
  const deg = Math.atan2(dx, dy) / DEG;
  return ((deg % 360) + 360) % 360;
}

/** The point `km` east and north of `from`. */
export function offsetKm(from: LatLon, eastKm: number, northKm: number): LatLon {
  return { lat: round6(from.lat + northKm / KM_PER_DEG_LAT), lon: round6(from.lon + eastKm / kmPerDegLon(from.lat)) };
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

export interface Step {
  position: LatLon;
  /** Direction of travel; undefined when the vehicle did not move. */
  heading: number | undefined;
  movedKm: number;
  /** True when the target was reached on this step. */
  arrived: boolean;
}

/** Drives at most `maxKm` from `from` toward `to`, stopping on the target. */
export function driveToward(from: LatLon, to: LatLon, maxKm: number): Step {
  const remaining = distanceKm(from, to);
  if (remaining <= maxKm) {
    return { position: { lat: to.lat, lon: to.lon }, heading: remaining > 0 ? bearingDeg(from, to) : undefined, movedKm: remaining, arrived: true };
  }
  const f = maxKm / remaining;
  const position = { lat: round6(from.lat + (to.lat - from.lat) * f), lon: round6(from.lon + (to.lon - from.lon) * f) };
  return { position, heading: bearingDeg(from, to), movedKm: maxKm, arrived: false };
}

/**
 * A random point within `radiusKm` of `home` (uniform over the disc) that `accept` allows,
 * e.g. "inside the city". Falls back to `home` after a few misses.
 */
export function randomPointNear(home: LatLon, radiusKm: number, rng: SeededRandom, accept: (p: LatLon) => boolean = () => true): LatLon {
  for (let i = 0; i < 20; i++) {
    const r = radiusKm * Math.sqrt(rng.next());
    const a = rng.next() * 2 * Math.PI;
    const p = offsetKm(home, r * Math.cos(a), r * Math.sin(a));
    if (accept(p)) return p;
  }
  return { lat: home.lat, lon: home.lon };
}

/** Kilometres covered in one tick at `speedKmh`. */
export function kmPerTick(speedKmh: number, tickMs: number, speedFactor: number): number {
  return (speedKmh * speedFactor * tickMs) / 3_600_000;
}
