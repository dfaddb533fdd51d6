/**
 * Open incidents on the map, coloured by priority, with a pulse while an alert waits for the
 * dispatcher. Follows the incident store (one diff per animation frame, markers reused).
 */
import L from 'leaflet';
import type { IncidentView, Store } from '../../lib/stores';
import { PRIORITY_COLOURS } from '../base';

/** Callbacks of the incidents layer. */
export interface IncidentsLayerOptions {
  onSelect?(incidentId: string): void;
  /** Tooltip text (called when the tooltip opens, so it follows the language). */
  describe?(incident: IncidentView): string;
}

interface Shown {
  marker: L.Marker;
  look: string;
  lat: number;
  lon: number;
}

/** Leaflet layer of the incidents in a store. */
export class IncidentsLayer extends L.Layer {
  private map: L.Map | null = null;
  private readonly group = L.layerGroup();
  private readonly shown = new Map<string, Shown>();
  private unsubscribe: (() => void) | null = null;
  private frame = 0;
  private selected: string | null = null;
  private lastMs = 0;

  constructor(private readonly store: Store<IncidentView>, private readonly opts: IncidentsLayerOptions = {}) {
    super();
  }

  override onAdd(map: L.Map): this {
    this.map = map;
    this.group.addTo(map);
    // The store notifies at most once per animation frame: redraw in that frame.
    this.unsubscribe = this.store.subscribe(() => this.update());
    this.update();
    return this;
  }

  override onRemove(): this {
    this.unsubscribe?.();
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.group.clearLayers();
    this.group.remove();
    this.shown.clear();
    this.map = null;
    return this;
  }

  /** Duration of the last update, ms. */
  lastUpdateMs(): number {
    return this.lastMs;
  }

  /** Highlights one incident (null: none). */
  setSelected(incidentId: string | null): void {
    this.selected = incidentId;
    this.schedule();
  }

  /** Diffs the markers against the store, now. */
  update(): void {
    if (!this.map) return;
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    const t0 = performance.now();
    const seen = new Set<string>();
    for (const inc of this.store.items.values()) {
      seen.add(inc.id);
      this.show(inc);
    }
    for (const [id, s] of this.shown) {
      if (!seen.has(id)) {
        this.group.removeLayer(s.marker);
        this.shown.delete(id);
      }
    }
    this.lastMs = performance.now() - t0;
  }

  private schedule(): void {
    if (this.frame || !this.map) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.update();
    });
  }

  private show(inc: IncidentView): void {
    const alerting = inc.alerts.some((a) => a.acknowledgedAt === null);
    const selected = inc.id === this.selected;
    const look = `${inc.priority}|${inc.state}|${alerting}|${selected}`;
    const { lat, lon } = inc.location;
    let s = this.shown.get(inc.id);
    if (!s) {
      const marker = L.marker([lat, lon], { icon: incidentIcon(inc, alerting, selected), keyboard: false, title: inc.id });
      marker.on('click', () => this.opts.onSelect?.(inc.id));
      const describe = this.opts.describe;
      if (describe) marker.bindTooltip(() => describe(this.store.items.get(inc.id) ?? inc), { direction: 'top', offset: [0, -14] });
      this.group.addLayer(marker);
      s = { marker, look, lat, lon };
      this.shown.set(inc.id, s);
    } else if (s.look !== look) {
      s.marker.setIcon(incidentIcon(inc, alerting, selected));
      s.look = look;
    }
    if (s.lat !== lat || s.lon !== lon) {
      s.marker.setLatLng([lat, lon]);
      s.lat = lat;
      s.lon = lon;
    }
    s.marker.setZIndexOffset(selected ? 2000 : (5 - inc.priority) * 100);
    const el = s.marker.getElement();
    if (el) {
      el.dataset.incidentId = inc.id;
      el.dataset.priority = String(inc.priority);
    }
  }
}

function incidentIcon(inc: IncidentView, alerting: boolean, selected: boolean): L.DivIcon {
  const colour = PRIORITY_COLOURS[inc.priority] ?? '#8b949e';
  const classes = ['beacon-incident-marker', `state-${inc.state}`];
  if (alerting) classes.push('alerting');
  if (selected) classes.push('selected');
  return L.divIcon({
    className: classes.join(' '),
    iconSize: [28, 28],
    iconAnchor: [14, 14],
    html: `<span class="bi-body" style="--c:${colour}"><span>${inc.priority}</span></span>`,
  });
}
