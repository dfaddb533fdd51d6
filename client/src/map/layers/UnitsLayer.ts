/**
 * Units on the map: one marker per unit (glyph by type, colour by status, heading arrow,
 * emergency flashing), clustered with supercluster at low zoom. The layer follows the unit
 * store: each change re-indexes the clusters and diffs the markers on screen, at most once
 * per animation frame; markers are reused, never rebuilt for a move.
 */
import L from 'leaflet';
import Supercluster from 'supercluster';
import type { Store, UnitWithPosition } from '../../lib/stores';
import { clusterIcon, fanOffsets, setHeading, setOffset, tagUnit, unitIcon, type ClusterProps, type UnitProps } from './unitMarkers';

/** Callbacks of the units layer. */
export interface UnitsLayerOptions {
  /** Called when a unit marker is clicked. */
  onSelect?(unitId: string): void;
  /** Tooltip text of a unit (called when the tooltip opens, so it follows the language). */
  describe?(unit: UnitWithPosition): string;
  /** Tooltip text of a cluster. */
  describeCluster?(count: number, available: number): string;
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
  cluster?: { id: number; count: number; available: number };
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
      map: (p) => ({ emergency: p.emergency, available: p.available }),
      reduce: (acc, p) => {
        acc.emergency += p.emergency;
        acc.available += p.available;
      },
    });
  }

  private reindex(): void {
    const points: Supercluster.PointFeature<UnitProps>[] = [];
    for (const u of this.store.items.values()) {
      if (!u.position) continue;
      points.push({
        type: 'Feature', geometry: { type: 'Point', coordinates: [u.position.lon, u.position.lat] },
        properties: { unitId: u.id, emergency: u.emergency ? 1 : 0, available: u.status === 'available' ? 1 : 0 },
      });
    }
    this.index.load(points);
  }

  private render(map: L.Map): void {
    const b = map.getBounds().pad(0.25);
    const zoom = Math.floor(map.getZoom());
    const features = this.index.getClusters([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], zoom);
    const fan = fanOffsets(features);
    // Cluster ids change with every re-index: cluster markers are pooled and reused, not keyed.
    const spare: Shown[] = [];
    for (const [key, s] of this.shown) {
      if (!key.startsWith('c:')) continue;
      spare.push(s);
      this.shown.delete(key);
    }
    const seen = new Set<string>();
    for (const f of features) {
      const [lon, lat] = f.geometry.coordinates as [number, number];
      if ('cluster' in f.properties && f.properties.cluster) {
        const p = f.properties as Supercluster.ClusterProperties & ClusterProps;
        this.shown.set(`c:${p.cluster_id}`, this.showCluster(spare.pop(), p, lat, lon));
      } else {
        const unit = this.store.items.get((f.properties as UnitProps).unitId);
        if (!unit) continue;
        const key = `u:${unit.id}`;
        seen.add(key);
        this.showUnit(key, unit, lat, lon, fan.get(unit.id) ?? '');
      }
    }
    for (const s of spare) this.group.removeLayer(s.marker);
    for (const [key, s] of this.shown) {
      if (!key.startsWith('c:') && !seen.has(key)) {
        this.group.removeLayer(s.marker);
        this.shown.delete(key);
      }
    }
  }

  private showUnit(key: string, unit: UnitWithPosition, lat: number, lon: number, offset: string): void {
    const look = `${unit.status}|${unit.emergency}|${unit.typeId}|${unit.id === this.selected}`;
    const heading = unit.position?.heading;
    let s = this.shown.get(key);
    if (!s) {
      const marker = L.marker([lat, lon], { icon: unitIcon(unit, this.selected), keyboard: false, riseOnHover: true });
      marker.on('click', () => this.opts.onSelect?.(unit.id));
      const describe = this.opts.describe;
      if (describe) marker.bindTooltip(() => describe(this.store.items.get(unit.id) ?? unit), { direction: 'top', offset: [0, -12] });
      this.group.addLayer(marker);
      s = { marker, look, lat, lon, heading: undefined, offset: '', zIndex: 0 };
      this.shown.set(key, s);
      tagUnit(marker, unit.id, lat, lon);
    } else if (s.look !== look) {
      s.marker.setIcon(unitIcon(unit, this.selected));
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

  private showCluster(reuse: Shown | undefined, p: Supercluster.ClusterProperties & ClusterProps, lat: number, lon: number): Shown {
    const look = `${p.point_count}|${p.emergency > 0}|${p.available}`;
    const s = reuse ?? this.newClusterMarker(lat, lon);
    s.cluster = { id: p.cluster_id, count: p.point_count, available: p.available };
    if (s.look !== look) {
      s.marker.setIcon(clusterIcon(p));
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
    const describe = this.opts.describeCluster;
    if (describe) marker.bindTooltip(() => describe(s.cluster?.count ?? 0, s.cluster?.available ?? 0), { direction: 'top' });
    this.group.addLayer(marker);
    return s;
  }
}
