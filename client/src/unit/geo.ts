/** Straight-line distance for "how far is the call" (good enough for a crew's first glance). */

const EARTH_RADIUS_KM = 6371.0088;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance in kilometres between two points. */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** OpenStreetMap directions to a point (the crew's phone asks for the start). */
export function osmDirectionsUrl(to: { lat: number; lon: number }): string {
  return `https://www.openstreetmap.org/directions?to=${to.lat},${to.lon}`;
}

/** A `geo:` URI: opens the phone's own maps / navigation app. */
export function geoUri(to: { lat: number; lon: number }): string {
  return `geo:${to.lat},${to.lon}`;
}
