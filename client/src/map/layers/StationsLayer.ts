/**
 * Stations (police, fire, EMS and city depots) as small agency-coloured squares. Static:
 * drawn once when added, removed with the layer.
 */
import L from 'leaflet';
import type { City } from '../base';
import { AGENCY_COLOURS, AGENCY_GLYPHS } from './glyphs';

type Station = City['stations'][number];

/** Callbacks of the stations layer. */
export interface StationsLayerOptions {
  /** Tooltip text (called when it opens, so it follows the language). */
  describe?(station: Station): string;
}

/** Leaflet layer of the city's stations. */
export class StationsLayer extends L.Layer {
  private readonly group = L.layerGroup();

  constructor(private readonly city: City, private readonly opts: StationsLayerOptions = {}) {
    super();
  }

  override onAdd(map: L.Map): this {
    const kinds = new Map(this.city.agencies.map((a) => [a.id, a.kind]));
    for (const s of this.city.stations) {
      const kind = kinds.get(s.agencyId) ?? 'city';
      const icon = L.divIcon({
        className: 'beacon-station-marker',
        iconSize: [20, 20],
        iconAnchor: [10, 10],
        html: `<span style="--c:${AGENCY_COLOURS[kind] ?? '#8b949e'}">${AGENCY_GLYPHS[kind] ?? '·'}</span>`,
      });
      const marker = L.marker([s.position[1], s.position[0]], { icon, keyboard: false, zIndexOffset: -500 });
      const describe = this.opts.describe;
      if (describe) marker.bindTooltip(() => describe(s), { direction: 'top', offset: [0, -10] });
      marker.on('add', () => marker.getElement()?.setAttribute('data-station-id', s.id));
      this.group.addLayer(marker);
    }
    this.group.addTo(map);
    return this;
  }

  override onRemove(): this {
    this.group.clearLayers();
    this.group.remove();
    return this;
  }
}
