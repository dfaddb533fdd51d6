/**
 * Status and priority colours, the same as the map's (client/src/map/base.ts). Repeated here
 * so the crew's phone does not download Leaflet just for a palette; keep the two in step.
 */

/** Colour per unit status. */
export const STATUS_COLOURS: Record<string, string> = {
  available: '#3fb950', dispatched: '#d29922', acknowledged: '#e3b341', en_route: '#f0883e', on_scene: '#f85149',
  transporting: '#bc8cff', at_destination: '#a371f7', returning: '#58a6ff', out_of_service: '#6e7681',
};

/** Colour per incident priority (1 most urgent). */
export const PRIORITY_COLOURS: Record<number, string> = { 1: '#ff4d4f', 2: '#ff9f43', 3: '#f5d90a', 4: '#8b949e' };
