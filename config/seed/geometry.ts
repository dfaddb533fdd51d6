/**
 * Small planar geometry helpers for the seed data and its validation.
 *
 * The demo city is laid out in a local kilometre frame (x east, y north) around the city
 * centre and converted to [lon, lat] with an equirectangular projection, which is accurate
 * to well under a metre over a 12 km city. Coordinates are rounded to 6 decimals (~0.1 m),
 * so the same km point always yields the same [lon, lat] and shared edges match exactly.
 */
import type { Polygon } from './schema';

export type LonLat = [number, number];
export type Km = readonly [number, number];

export const CITY_CENTER: LonLat = [120.16, 30.26];

const DEG = Math.PI / 180;
export const KM_PER_DEG_LAT = 110.574;
export const KM_PER_DEG_LON = 111.32 * Math.cos(CITY_CENTER[1] * DEG);

const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;

/** Local km offset from the city centre → [lon, lat]. */
export function at(xKm: number, yKm: number): LonLat {
  return [round6(CITY_CENTER[0] + xKm / KM_PER_DEG_LON), round6(CITY_CENTER[1] + yKm / KM_PER_DEG_LAT)];
}

/** [lon, lat] → local km offset from the city centre. */
export function toKm([lon, lat]: LonLat): [number, number] {
  return [(lon - CITY_CENTER[0]) * KM_PER_DEG_LON, (lat - CITY_CENTER[1]) * KM_PER_DEG_LAT];
}

/** A closed GeoJSON polygon (single outer ring) from km vertices, in the order given. */
export function polygonKm(vertices: readonly Km[]): Polygon {
  const ring = vertices.map(([x, y]) => at(x, y));
  const first = ring[0];
  if (!first) throw new Error('polygonKm: no vertices');
  return { type: 'Polygon', coordinates: [[...ring, [first[0], first[1]]]] };
}

/** Axis-aligned rectangle in km, counter-clockwise from the south-west corner. */
export function rectKm(x0: number, y0: number, x1: number, y1: number): Polygon {
  return polygonKm([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]);
}

/** Straight-line distance between two [lon, lat] points, km (equirectangular). */
export function distanceKm(a: LonLat, b: LonLat): number {
  const meanLat = ((a[1] + b[1]) / 2) * DEG;
  const dx = (b[0] - a[0]) * 111.32 * Math.cos(meanLat);
  const dy = (b[1] - a[1]) * KM_PER_DEG_LAT;
  return Math.hypot(dx, dy);
}

/** Ray casting against one ring (closed or not). Points exactly on an edge may go either way. */
export function pointInRing([px, py]: LonLat, ring: readonly LonLat[]): boolean {
  let inside = false;
  const n = ring.length;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const a = ring[i];
    const b = ring[j];
    if (!a || !b) continue;
    const [xi, yi] = a;
    const [xj, yj] = b;
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** True when the point is inside the outer ring and not inside any hole. */
export function pointInPolygon(lonLat: [number, number], poly: Polygon): boolean {
  const [outer, ...holes] = poly.coordinates;
  if (!outer || !pointInRing(lonLat, outer)) return false;
  return !holes.some((hole) => pointInRing(lonLat, hole));
}

/** Vertex average of the outer ring (closing vertex excluded); the centre for rectangles. */
export function ringCenter(poly: Polygon): LonLat {
  const outer = poly.coordinates[0] ?? [];
  const first = outer[0];
  const last = outer[outer.length - 1];
  const closed = first && last && first[0] === last[0] && first[1] === last[1];
  const pts = closed ? outer.slice(0, -1) : outer;
  const n = pts.length || 1;
  const sx = pts.reduce((s, p) => s + p[0], 0);
  const sy = pts.reduce((s, p) => s + p[1], 0);
  return [sx / n, sy / n];
}

/** Whether every ring of the polygon ends where it starts. Returns the index of the first open ring, or -1. */
export function firstOpenRing(poly: Polygon): number {
  return poly.coordinates.findIndex((ring) => {
    const first = ring[0];
    const last = ring[ring.length - 1];
    return !first || !last || first[0] !== last[0] || first[1] !== last[1];
  });
}
