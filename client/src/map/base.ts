/**
 * A Leaflet map that never shows a grey void: the city's own vector basemap (boundary,
 * districts, streets from the city data the server holds) is drawn in a pane beneath the
 * tiles, so when tiles do not load (no internet, tile server down) the city is still there.
 * The tile URL is configurable on the server (MAP_TILE_URL); unset means vector only.
 */
import L from 'leaflet';
import type { CitySeed } from '../../../config/seed/schema';

export type City = Omit<CitySeed, 'users'>;

export interface MapOptions {
  city: City;
  tileUrl: string | null;
  attribution: string;
  /** Called once when tiles are given up on (or never configured). */
  onOffline?: () => void;
  /** Touch-first (tablet, phone): larger zoom controls, no keyboard shortcuts needed. */
  touch?: boolean;
}

const flip = (c: [number, number]): [number, number] => [c[1], c[0]];

export function createMap(el: HTMLElement, opts: MapOptions): L.Map {
  const { city } = opts;
  const map = L.map(el, { zoomControl: true, preferCanvas: true, keyboard: true, attributionControl: true })
    .setView(flip(city.city.center), 13);
  map.createPane('basemap').style.zIndex = '150';
  map.createPane('grids').style.zIndex = '350';

  L.polygon(city.city.boundary.coordinates.map((ring) => ring.map(flip)), {
    pane: 'basemap', color: '#3b4a5a', weight: 2, fillColor: '#16202b', fillOpacity: 1, interactive: false,
  }).addTo(map);
  for (const d of city.districts) {
    L.polygon(d.boundary.coordinates.map((ring) => ring.map(flip)), {
      pane: 'basemap', color: '#4d6278', weight: 1.5, dashArray: '6 4', fillColor: '#1b2733', fillOpacity: 0.6,
    }).bindTooltip(`${d.name} · ${d.nameZh}`, { sticky: true }).addTo(map);
  }
  for (const s of city.streets) {
    L.polyline(s.geometry.coordinates.map(flip), { pane: 'basemap', color: '#5f7386', weight: 3, opacity: 0.9 })
      .bindTooltip(`${s.name} · ${s.nameZh}`, { sticky: true }).addTo(map);
  }
  map.fitBounds(L.latLngBounds(city.city.boundary.coordinates[0]!.map(flip)), { padding: [10, 10] });

  if (!opts.tileUrl) {
    opts.onOffline?.();
    return map;
  }
  const tiles = L.tileLayer(opts.tileUrl, { attribution: opts.attribution, maxZoom: 19, className: 'beacon-tiles' });
  let loaded = 0;
  let failed = 0;
  tiles.on('tileload', () => loaded++);
  tiles.on('tileerror', () => {
    failed++;
    if (loaded === 0 && failed >= 4) {
      map.removeLayer(tiles);
      opts.onOffline?.();
    }
  });
  tiles.addTo(map);
  return map;
}

/** Colour per unit status (dark theme, readable on the basemap and in lists). */
export const STATUS_COLOURS: Record<string, string> = {
  available: '#3fb950', dispatched: '#d29922', acknowledged: '#e3b341', en_route: '#f0883e', on_scene: '#f85149',
  transporting: '#bc8cff', at_destination: '#a371f7', returning: '#58a6ff', out_of_service: '#6e7681',
};

/** Colour per incident priority (1 most urgent). */
export const PRIORITY_COLOURS: Record<number, string> = { 1: '#ff4d4f', 2: '#ff9f43', 3: '#f5d90a', 4: '#8b949e' };
