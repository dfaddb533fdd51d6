/**
 * Units on the map: one marker per unit (glyph by type, colour by status, heading arrow,
 * emergency flashing, a camera badge while its body camera is live), clustered with supercluster at low zoom. The layer follows the unit
 * store: each change re-indexes the clusters and diffs the markers on screen, at most once
 * per animation frame; markers are reused, never rebuilt for a move.
 */
import L from 'leaflet';
import Supercluster from 'supercluster';
import { currentLocale } from '../../lib/i18n';
import type { Store, UnitWithPosition } from '../../lib/stores';
import { AGENCY_COLOURS, AGENCY_SHORT_NAMES } from './glyphs';
import {
  addClusterProps, AGENCY_SLOTS, agencyBreakdown, clusterPropsOf, fanOffsets, OTHER_AGENCY_COLOUR, setHeading, setOffset,
  tagUnit, unitIcon, updateClusterIcon, type AgencyLook, type ClusterProps, type UnitProps,
} from './unitMarkers';

/** Callbacks of the units layer. */
export interface UnitsLayerOptions {
  /** Called when a unit marker is clicked. */
  onSelect?(unitId: string): void;
  /** Tooltip text of a unit (called when the tooltip opens, so it follows the language). */
  describe?(unit: UnitWithPosition): string;
  /** Tooltip text of a cluster (the layer adds a line with the units per agency). */
  describeCluster?(count: number, available: number): string;
  /** Kind of an agency (police, fire, ems, city), for its colour; default: the agency id. */
  agencyKind?(agencyId: string): string;
  /** Short name of an agency in cluster tooltips; default: the kind's short name in the current language. */
  agencyName?(agencyId: string): string;
}

interface Shown {
  marker: L.Marker;
  look: string;
  lat: number;
  lon: number;
  heading: number | undefined;
  offset: string;
  zIndex: number;
  /** For a cluster marker: the cluster it shows now (markers are reused across re-indexing). */
  cluster?: { id: number; count: number; available: number; props: ClusterProps };
}

/** Below this zoom, units close together on screen are drawn as one cluster. */
const CLUSTER_MAX_ZOOM = 13;

/** Leaflet layer of the units in a store (clustered at low zoom). */
export class UnitsLayer extends L.Layer {
  private map: L.Map | null = null;
  private group = L.layerGroup();
  private index = this.newIndex();
  private readonly shown = new Map<string, Shown>();
  private unsubscribe: (() => void) | null = null;
  private frame = 0;
  private needsIndex = true;
  private lastMs = 0;
  private selected: string | null = null;
  /** Units whose body camera is live (badged). */
  private cameras: ReadonlySet<string> = new Set();
  /** Agency slot of each agency met so far (see AGENCY_SLOTS), and the agencies in each slot. */
  private readonly slots = new Map<string, number>();
  private readonly slotAgencies: string[][] = [];
  /** Colour of each slot (agency names are looked up when a tooltip opens, in its language). */
  private slotColours: AgencyLook[] = [];

  constructor(private readonly store: Store<UnitWithPosition>, private readonly opts: UnitsLayerOptions = {}) {
    super();
  }

  override onAdd(map: L.Map): this {
    this.map = map;
    this.group.addTo(map);
    // The store notifies at most once per animation frame: redraw in that frame, not the next.
    this.unsubscribe = this.store.subscribe(() => {
      this.needsIndex = true;
      this.update();
    });
    map.on('moveend', this.onView);
    this.needsIndex = true;
    this.update();
    return this;
  }

  override onRemove(map: L.Map): this {
    this.unsubscribe?.();
    map.off('moveend', this.onView);
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.group.clearLayers();
    this.group.remove();
    this.shown.clear();
    this.map = null;
    return this;
  }

  /** Duration of the last update (re-index and marker diff), ms: for the benchmark. */
  lastUpdateMs(): number {
    return this.lastMs;
  }

  /** Highlights one unit (null: none). */
  setSelected(unitId: string | null): void {
    this.selected = unitId;
    this.schedule(false);
  }

  /** Badges the units whose body camera is live (the others lose the badge). */
  setCameras(unitIds: ReadonlySet<string>): void {
    if (unitIds.size === this.cameras.size && [...unitIds].every((id) => this.cameras.has(id))) return;
    this.cameras = new Set(unitIds);
    this.schedule(false);
  }

  /** The marker element of a unit, when it is drawn on its own (not inside a cluster). */
  markerElement(unitId: string): HTMLElement | null {
    return this.shown.get(`u:${unitId}`)?.marker.getElement() ?? null;
  }

  /** Re-indexes (when data changed) and redraws what is in view, now. */
  update(): void {
    if (!this.map) return;
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    const t0 = performance.now();
    if (this.needsIndex) this.reindex();
    this.needsIndex = false;
    this.render(this.map);
    this.lastMs = performance.now() - t0;
  }

  private readonly onView = () => this.schedule(false);

  private schedule(reindex: boolean): void {
    this.needsIndex ||= reindex;
    if (this.frame || !this.map) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.update();
    });
  }

  private newIndex(): Supercluster<UnitProps, ClusterProps> {
    return new Supercluster<UnitProps, ClusterProps>({
      radius: 44, maxZoom: CLUSTER_MAX_ZOOM,
      map: clusterPropsOf,
      reduce: addClusterProps,
    });
  }

  private reindex(): void {
    const points: Supercluster.PointFeature<UnitProps>[] = [];
    for (const u of this.store.items.values()) {
      if (!u.position) continue;
      points.push({
        type: 'Feature', geometry: { type: 'Point', coordinates: [u.position.lon, u.position.lat] },
        properties: { unitId: u.id, emergency: u.emergency ? 1 : 0, available: u.status === 'available' ? 1 : 0, slot: this.slotOf(u.agencyId) },
      });
    }
    this.index.load(points);
  }

  private render(map: L.Map): void {
    const b = map.getBounds().pad(0.25);
    const zoom = Math.floor(map.getZoom());
    const features = this.index.getClusters([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], zoom);
    const fan = fanOffsets(features);
    // A cluster keeps its id across re-indexing while its make-up holds: the marker that showed
    // that id shows it again (usually with nothing to change). Markers of clusters gone are
    // pooled and reused for new clusters.
    const previous = new Map<number, Shown>();
    for (const [key, s] of this.shown) {
      if (!key.startsWith('c:')) continue;
      if (s.cluster) previous.set(s.cluster.id, s);
      this.shown.delete(key);
    }
    const unmatched: { p: Supercluster.ClusterProperties & ClusterProps; lat: number; lon: number }[] = [];
    const seen = new Set<string>();
    for (const f of features) {
      const [lon, lat] = f.geometry.coordinates as [number, number];
      if ('cluster' in f.properties && f.properties.cluster) {
        const p = f.properties as Supercluster.ClusterProperties & ClusterProps;
        const same = previous.get(p.cluster_id);
        if (same) {
          previous.delete(p.cluster_id);
          this.shown.set(`c:${p.cluster_id}`, this.showCluster(same, p, lat, lon));
        } else {
          unmatched.push({ p, lat, lon });
        }
      } else {
        const unit = this.store.items.get((f.properties as UnitProps).unitId);
        if (!unit) continue;
        const key = `u:${unit.id}`;
        seen.add(key);
        this.showUnit(key, unit, lat, lon, fan.get(unit.id) ?? '');
      }
    }
    const spare = [...previous.values()];
    for (const { p, lat, lon } of unmatched) this.shown.set(`c:${p.cluster_id}`, this.showCluster(spare.pop(), p, lat, lon));
    for (const s of spare) this.group.removeLayer(s.marker);
    for (const [key, s] of this.shown) {
      if (!key.startsWith('c:') && !seen.has(key)) {
        this.group.removeLayer(s.marker);
        this.shown.delete(key);
      }
    }
  }

  private showUnit(key: string, unit: UnitWithPosition, lat: number, lon: number, offset: string): void {
    const camera = this.cameras.has(unit.id);
    const look = `${unit.status}|${unit.emergency}|${unit.typeId}|${unit.id === this.selected}|${camera}`;
    const heading = unit.position?.heading;
    let s = this.shown.get(key);
    if (!s) {
      const marker = L.marker([lat, lon], { icon: unitIcon(unit, this.selected, camera), keyboard: false, riseOnHover: true });
      marker.on('click', () => this.opts.onSelect?.(unit.id));
      const describe = this.opts.describe;
      if (describe) marker.bindTooltip(() => describe(this.store.items.get(unit.id) ?? unit), { direction: 'top', offset: [0, -12] });
      this.group.addLayer(marker);
      s = { marker, look, lat, lon, heading: undefined, offset: '', zIndex: 0 };
      this.shown.set(key, s);
      tagUnit(marker, unit.id, lat, lon);
    } else if (s.look !== look) {
      s.marker.setIcon(unitIcon(unit, this.selected, camera));
      s.look = look;
      s.heading = undefined;
      s.offset = '';
      tagUnit(s.marker, unit.id, lat, lon);
    }
    if (s.lat !== lat || s.lon !== lon) {
      s.marker.setLatLng([lat, lon]);
      s.lat = lat;
      s.lon = lon;
      tagUnit(s.marker, unit.id, lat, lon);
    }
    if (s.heading !== heading) setHeading(s.marker, (s.heading = heading));
    if (s.offset !== offset) setOffset(s.marker, (s.offset = offset));
    const zIndex = unit.emergency || unit.id === this.selected ? 1000 : 0;
    if (s.zIndex !== zIndex) s.marker.setZIndexOffset((s.zIndex = zIndex));
  }

  /** The agency slot of an agency: the next free one the first time it is met, the last one when all are taken. */
  private slotOf(agencyId: string): number {
    let slot = this.slots.get(agencyId);
    if (slot === undefined) {
      slot = Math.min(this.slots.size, AGENCY_SLOTS - 1);
      this.slots.set(agencyId, slot);
      (this.slotAgencies[slot] ??= []).push(agencyId);
      this.slotColours = this.agencyLooks(() => '');
    }
    return slot;
  }

  /** Colour and name of each agency slot; a slot shared by several agencies is grey ("other"). */
  private agencyLooks(name: (agencyId: string) => string): AgencyLook[] {
    return this.slotAgencies.map((ids) => {
      if (ids.length > 1) return { colour: OTHER_AGENCY_COLOUR, name: currentLocale() === 'zh-CN' ? '其他' : 'Other' };
      const id = ids[0]!;
      return { colour: AGENCY_COLOURS[this.opts.agencyKind?.(id) ?? id] ?? OTHER_AGENCY_COLOUR, name: name(id) };
    });
  }

  private agencyName = (agencyId: string): string => {
    if (this.opts.agencyName) return this.opts.agencyName(agencyId);
    const short = AGENCY_SHORT_NAMES[this.opts.agencyKind?.(agencyId) ?? agencyId];
    return short ? (currentLocale() === 'zh-CN' ? short.zh : short.en) : agencyId;
  };

  private showCluster(reuse: Shown | undefined, p: Supercluster.ClusterProperties & ClusterProps, lat: number, lon: number): Shown {
    const look = `${p.point_count}|${p.emergency > 0}|${p.available}|${p.a0},${p.a1},${p.a2},${p.a3},${p.a4},${p.a5}|${this.slots.size}`;
    const s = reuse ?? this.newClusterMarker(lat, lon);
    s.cluster = { id: p.cluster_id, count: p.point_count, available: p.available, props: p };
    if (s.look !== look) {
      updateClusterIcon(s.marker, p, this.slotColours);
      s.look = look;
    }
    if (s.lat !== lat || s.lon !== lon) {
      s.marker.setLatLng([lat, lon]);
      s.lat = lat;
      s.lon = lon;
    }
    return s;
  }

  private newClusterMarker(lat: number, lon: number): Shown {
    const marker = L.marker([lat, lon], { icon: L.divIcon({ className: 'beacon-unit-cluster' }), keyboard: false });
    const s: Shown = { marker, look: '', lat, lon, heading: undefined, offset: '', zIndex: 0 };
    marker.on('click', () => {
      if (!s.cluster) return;
      const zoom = Math.min(this.index.getClusterExpansionZoom(s.cluster.id), 18);
      this.map?.setView([s.lat, s.lon], zoom);
    });
    marker.bindTooltip(() => {
      const c = s.cluster;
      if (!c) return '';
      const breakdown = `<span class="bc-tt-agencies">${agencyBreakdown(c.props, this.agencyLooks(this.agencyName))}</span>`;
      const describe = this.opts.describeCluster;
      return describe ? `${describe(c.count, c.available)}<br>${breakdown}` : breakdown;
    }, { direction: 'top' });
    this.group.addLayer(marker);
    return s;
  }
}
