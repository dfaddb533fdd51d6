/**
 * The marker elements of the units layer: unit and cluster icons, the data attributes tests
 * read, the heading arrow, and the fan-out of units standing on the same spot.
 */
import L from 'leaflet';
import type Supercluster from 'supercluster';
import type { UnitWithPosition } from '../../lib/stores';
import { STATUS_COLOURS } from '../base';
import { escapeHtml, unitGlyph } from './glyphs';

/** What the cluster index keeps per unit. */
export type UnitProps = { unitId: string; emergency: number; available: number };
/** What it sums per cluster. */
export type ClusterProps = { emergency: number; available: number };

/** Pixel offsets that fan out units standing on the same spot (a station's bay). */
const FAN_STEP_PX = 22;

/** A unit's icon: glyph on a status-coloured disc, selected and emergency marked. */
export function unitIcon(unit: UnitWithPosition, selected: string | null): L.DivIcon {
  const colour = STATUS_COLOURS[unit.status] ?? '#8b949e';
  const classes = ['beacon-unit-marker', `status-${unit.status}`];
  if (unit.emergency) classes.push('emergency');
  if (unit.id === selected) classes.push('selected');
  return L.divIcon({
    className: classes.join(' '),
    iconSize: [30, 30],
    iconAnchor: [15, 15],
    html: `<span class="bu-arrow"></span><span class="bu-body" style="--c:${colour}">${escapeHtml(unitGlyph(unit.typeId))}</span>`,
  });
}

/** A cluster's icon: the count, ringed green when mostly available, red on an emergency. */
export function clusterIcon(p: Supercluster.ClusterProperties & ClusterProps): L.DivIcon {
  const size = p.point_count < 10 ? 30 : p.point_count < 50 ? 36 : 44;
  const tone = p.emergency > 0 ? 'emergency' : p.available * 2 >= p.point_count ? 'mostly-available' : 'mostly-busy';
  return L.divIcon({
    className: `beacon-unit-cluster ${tone}`,
    iconSize: [size, size],
    iconAnchor: [size / 2, size / 2],
    html: `<span>${p.point_count}</span>`,
  });
}

/** Writes `data-unit-id`, `data-lat` and `data-lon` on the marker element. */
export function tagUnit(marker: L.Marker, unitId: string, lat: number, lon: number): void {
  const el = marker.getElement();
  if (!el) return;
  el.dataset.unitId = unitId;
  el.dataset.lat = String(lat);
  el.dataset.lon = String(lon);
}

/** Turns the heading arrow (hidden without a heading). */
export function setHeading(marker: L.Marker, heading: number | undefined): void {
  const arrow = marker.getElement()?.querySelector<HTMLElement>('.bu-arrow');
  if (!arrow) return;
  arrow.style.display = heading === undefined ? 'none' : 'block';
  arrow.style.transform = `rotate(${heading ?? 0}deg)`;
}

/** Shifts the marker element by a fan-out offset ("12px -8px", or "" for none). */
export function setOffset(marker: L.Marker, offset: string): void {
  const el = marker.getElement();
  if (el) el.style.translate = offset;
}

/** Units sharing a spot are fanned out on a small ring, so each can be seen and clicked. */
export function fanOffsets(features: (Supercluster.ClusterFeature<ClusterProps> | Supercluster.PointFeature<UnitProps>)[]): Map<string, string> {
  const bySpot = new Map<string, string[]>();
  for (const f of features) {
    if ('cluster' in f.properties && f.properties.cluster) continue;
    const [lon, lat] = f.geometry.coordinates as [number, number];
    const spot = `${lat.toFixed(5)},${lon.toFixed(5)}`;
    const list = bySpot.get(spot) ?? [];
    list.push((f.properties as UnitProps).unitId);
    bySpot.set(spot, list);
  }
  const out = new Map<string, string>();
  for (const ids of bySpot.values()) {
    if (ids.length < 2) continue;
    const radius = FAN_STEP_PX * Math.max(1, ids.length / 6);
    ids.sort().forEach((id, i) => {
      const a = (2 * Math.PI * i) / ids.length - Math.PI / 2;
      out.set(id, `${Math.round(Math.cos(a) * radius)}px ${Math.round(Math.sin(a) * radius)}px`);
    });
  }
  return out;
}
