/**
 * Responsibility grids: the city's cells with their first-due station per agency, drawn in
 * the `grids` pane under the markers; the tooltip names the first-due stations.
 */
import L from 'leaflet';
import type { City } from '../base';

type Grid = City['grids'][number];

/** Callbacks of the grids layer. */
export interface GridsLayerOptions {
  /** Tooltip HTML of a cell (called when it opens, so it follows the language). */
  describe?(grid: Grid): string;
}

/** Leaflet layer of the responsibility grid cells. */
export class GridsLayer extends L.Layer {
  private readonly group = L.layerGroup();

  constructor(private readonly city: City, private readonly opts: GridsLayerOptions = {}) {
    super();
  }

  override onAdd(map: L.Map): this {
    const pane = map.getPane('grids') ? 'grids' : 'overlayPane';
    for (const g of this.city.grids) {
      const rings = g.boundary.coordinates.map((ring) => ring.map(([lon, lat]) => [lat, lon] as [number, number]));
      const cell = L.polygon(rings, {
        pane, color: '#7d8fa3', weight: 1, opacity: 0.7, dashArray: '2 6', fillColor: '#7d8fa3', fillOpacity: 0.04,
        className: 'beacon-grid-cell',
      });
      const describe = this.opts.describe;
      if (describe) cell.bindTooltip(() => describe(g), { sticky: true, className: 'beacon-grid-tooltip' });
      cell.on('mouseover', () => cell.setStyle({ fillOpacity: 0.16 }));
      cell.on('mouseout', () => cell.setStyle({ fillOpacity: 0.04 }));
      this.group.addLayer(cell);
      const centre = cell.getBounds().getCenter();
      this.group.addLayer(L.marker(centre, {
        pane, interactive: false, keyboard: false,
        icon: L.divIcon({ className: 'beacon-grid-label', iconSize: [48, 16], iconAnchor: [24, 8], html: g.id }),
      }));
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
