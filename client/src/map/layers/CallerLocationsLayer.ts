/**
 * Callers' proposed locations (PIDF-LO from the phone) on the map: a hollow phone marker and a
 * dashed circle of the stated uncertainty, drawn apart from incidents so a proposal is never
 * mistaken for a place anyone confirmed. Follows the calls store; which calls are shown and
 * where each proposal is comes from the console (`pick`), so the layer knows no call rules.
 */
import L from 'leaflet';
import type { CallView, Store } from '../../lib/stores';

/** A proposal to draw. */
export interface CallerProposal {
  callId: string;
  lat: number;
  lon: number;
  radiusM: number | null;
}

/** Callbacks of the caller locations layer. */
export interface CallerLocationsLayerOptions {
  /** The proposals to show now (the seat's own calls, not yet confirmed). */
  pick(calls: Store<CallView>): CallerProposal[];
  /** Tooltip text (called when it opens, so it follows the language). */
  describe?(callId: string): string;
  /** A proposal drawn for the first time or moved (the console brings it into view). */
  onShown?(proposal: CallerProposal): void;
}

interface Shown {
  marker: L.Marker;
  circle: L.Circle | null;
  key: string;
}

/** Leaflet layer of callers' proposed locations. */
export class CallerLocationsLayer extends L.Layer {
  private readonly group = L.layerGroup();
  private readonly shown = new Map<string, Shown>();
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly calls: Store<CallView>, private readonly opts: CallerLocationsLayerOptions) {
    super();
  }

  override onAdd(map: L.Map): this {
    this.group.addTo(map);
    this.unsubscribe = this.calls.subscribe(() => this.update());
    this.update();
    return this;
  }

  override onRemove(): this {
    this.unsubscribe?.();
    this.group.clearLayers();
    this.group.remove();
    this.shown.clear();
    return this;
  }

  /** The proposals on the map now (tests). */
  shownCallIds(): string[] {
    return [...this.shown.keys()];
  }

  /** Diffs the drawn proposals against the store. */
  update(): void {
    const wanted = new Map(this.opts.pick(this.calls).map((p) => [p.callId, p]));
    for (const [id, s] of this.shown) {
      const p = wanted.get(id);
      if (!p || keyOf(p) !== s.key) this.drop(id, s);
    }
    for (const p of wanted.values()) if (!this.shown.has(p.callId)) this.draw(p);
  }

  private draw(p: CallerProposal): void {
    const icon = L.divIcon({ className: 'beacon-caller-marker', iconSize: [26, 26], iconAnchor: [13, 13], html: '<span>☎</span>' });
    const marker = L.marker([p.lat, p.lon], { icon, keyboard: false, zIndexOffset: 2500 });
    const describe = this.opts.describe;
    if (describe) marker.bindTooltip(() => describe(p.callId), { direction: 'top', offset: [0, -12] });
    marker.on('add', () => {
      const el = marker.getElement();
      if (!el) return;
      el.dataset.callId = p.callId;
      el.dataset.lat = String(p.lat);
      el.dataset.lon = String(p.lon);
      el.dataset.radiusM = p.radiusM === null ? '' : String(p.radiusM);
    });
    const circle = p.radiusM ? L.circle([p.lat, p.lon], { radius: p.radiusM, ...RADIUS_STYLE }) : null;
    if (circle) this.group.addLayer(circle);
    this.group.addLayer(marker);
    this.shown.set(p.callId, { marker, circle, key: keyOf(p) });
    this.opts.onShown?.(p);
  }

  private drop(id: string, s: Shown): void {
    this.group.removeLayer(s.marker);
    if (s.circle) this.group.removeLayer(s.circle);
    this.shown.delete(id);
  }
}

/** Dashed and light: an uncertainty, not a boundary anyone drew. */
const RADIUS_STYLE: L.CircleMarkerOptions = {
  className: 'beacon-caller-radius', interactive: false, color: '#ffb86b', weight: 2, dashArray: '6 5', fillColor: '#ffb86b', fillOpacity: 0.1,
};

const keyOf = (p: CallerProposal) => `${p.lat}|${p.lon}|${p.radiusM ?? ''}`;
