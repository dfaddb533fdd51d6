/**
 * The marker elements of the units layer: unit and cluster icons, the data attributes tests
 * read, the heading arrow, and the fan-out of units standing on the same spot.
 */
import L from 'leaflet';
import type Supercluster from 'supercluster';
import type { UnitWithPosition } from '../../lib/stores';
import { STATUS_COLOURS } from '../base';
import { escapeHtml, unitGlyph } from './glyphs';

/**
 * Agencies a cluster counts one by one: each agency met gets the next slot, for good; agencies
 * past the last slot share it ("other"). Fixed numeric fields keep the index's map/reduce cheap.
 */
export const AGENCY_SLOTS = 6;

/** What the cluster index keeps per unit (`slot`: the unit's agency slot). */
export type UnitProps = { unitId: string; emergency: number; available: number; slot: number };
/** What it sums per cluster: emergencies, available units and units per agency slot. */
export type ClusterProps = { emergency: number; available: number; a0: number; a1: number; a2: number; a3: number; a4: number; a5: number };

/** A unit's contribution to a cluster. */
export function clusterPropsOf(p: UnitProps): ClusterProps {
  const s = p.slot;
  return {
    emergency: p.emergency, available: p.available,
    a0: s === 0 ? 1 : 0, a1: s === 1 ? 1 : 0, a2: s === 2 ? 1 : 0, a3: s === 3 ? 1 : 0, a4: s === 4 ? 1 : 0, a5: s === 5 ? 1 : 0,
  };
}

/** Adds one unit's or cluster's counts into a cluster's. */
export function addClusterProps(acc: ClusterProps, p: ClusterProps): void {
  acc.emergency += p.emergency;
  acc.available += p.available;
  acc.a0 += p.a0;
  acc.a1 += p.a1;
  acc.a2 += p.a2;
  acc.a3 += p.a3;
  acc.a4 += p.a4;
  acc.a5 += p.a5;
}

/** A cluster's units per agency slot. */
export function slotCounts(p: ClusterProps): number[] {
  return [p.a0, p.a1, p.a2, p.a3, p.a4, p.a5];
}

/** Pixel offsets that fan out units standing on the same spot (a station's bay). */
const FAN_STEP_PX = 22;

/** How an agency slot is drawn: its colour and (for the tooltip) its name. */
export interface AgencyLook { colour: string; name: string }

/** A video camera, drawn in the badge's text colour. */
const CAMERA_SVG = '<svg viewBox="0 0 16 12" width="10" height="8"><rect x="0" y="1" width="10.5" height="10" rx="2" fill="currentColor"/><path d="M11.5 4.5 16 1.5v9l-4.5-3z" fill="currentColor"/></svg>';

/** A unit's icon: glyph on a status-coloured disc, selected and emergency marked, a camera badge while its body camera is live. */
export function unitIcon(unit: UnitWithPosition, selected: string | null, camera = false): L.DivIcon {
  const colour = STATUS_COLOURS[unit.status] ?? '#8b949e';
  const classes = ['beacon-unit-marker', `status-${unit.status}`];
  if (unit.emergency) classes.push('emergency');
  if (unit.id === selected) classes.push('selected');
  if (camera) classes.push('camera-live');
  const badge = camera ? `<span class="bu-camera" aria-hidden="true">${CAMERA_SVG}</span>` : '';
  return L.divIcon({
    className: classes.join(' '),
    iconSize: [30, 30],
    iconAnchor: [15, 15],
    html: `<span class="bu-arrow"></span><span class="bu-body" style="--c:${colour}">${escapeHtml(unitGlyph(unit.typeId))}</span>${badge}`,
  });
}

const clusterSize = (count: number) => (count < 10 ? 30 : count < 50 ? 36 : 44);
const clusterTone = (p: Supercluster.ClusterProperties & ClusterProps) =>
  p.emergency > 0 ? 'emergency' : p.available * 2 >= p.point_count ? 'mostly-available' : 'mostly-busy';
/** Height of the agency bar under the count, and the gap above it (px). */
const BAR_PX = 9;

/**
 * A cluster's icon: the count, ringed green when mostly available, red on an emergency, over a
 * bar split into one segment per agency (its colour, its share of the units), so whose units
 * a cluster holds shows without opening it. The bar has one element per agency slot (hidden
 * when the cluster has none of its units), so `updateClusterIcon` can change it in place.
 */
export function clusterIcon(p: Supercluster.ClusterProperties & ClusterProps, agencies: readonly AgencyLook[]): L.DivIcon {
  const size = clusterSize(p.point_count);
  const bar = slotCounts(p).map((n, slot) => n > 0
    ? `<i style="flex-grow:${n};background:${agencies[slot]?.colour ?? OTHER_AGENCY_COLOUR}"></i>`
    : '<i style="display:none"></i>').join('');
  return L.divIcon({
    className: `beacon-unit-cluster ${clusterTone(p)}`,
    iconSize: [size, size + BAR_PX],
    iconAnchor: [size / 2, size / 2],
    html: `<span class="bc-count" style="height:${size}px">${p.point_count}</span><span class="bc-agencies">${bar}</span>`,
  });
}

/** What a cluster element shows now, so an update compares numbers instead of reading the DOM. */
interface ClusterShown { size: number; tone: string; count: number; segments: number[]; colours: string[] }
const clusterShown = new WeakMap<HTMLElement, ClusterShown>();

/**
 * Shows cluster `p` on an existing cluster marker. Changes the marker's element in place (size,
 * tone, count, bar segments: only what differs from what it shows) rather than building a new
 * one, which keeps a batch of moves cheap and an open tooltip under the pointer; a marker not
 * yet drawn (or drawn by Leaflet from an older icon) gets a new icon.
 */
export function updateClusterIcon(marker: L.Marker, p: Supercluster.ClusterProperties & ClusterProps, agencies: readonly AgencyLook[]): void {
  const icon = clusterIcon(p, agencies);
  const el = marker.getElement();
  const count = el?.firstElementChild as HTMLElement | null | undefined;
  const bar = el?.lastElementChild as HTMLElement | null | undefined;
  const shown = el && clusterShown.get(el);
  if (!el || !count || !bar || !shown || bar.children.length !== AGENCY_SLOTS) {
    marker.setIcon(icon);
    const drawn = marker.getElement();
    if (drawn) {
      clusterShown.set(drawn, {
        size: clusterSize(p.point_count), tone: clusterTone(p), count: p.point_count, segments: slotCounts(p),
        colours: slotCounts(p).map((n, slot) => (n > 0 ? (agencies[slot]?.colour ?? OTHER_AGENCY_COLOUR) : '')),
      });
    }
    return;
  }
  marker.options.icon = icon; // what Leaflet draws should it rebuild the element
  const size = clusterSize(p.point_count);
  if (shown.size !== size) {
    // As Leaflet sizes and anchors an icon (L.Icon._setIconStyles).
    el.style.width = `${size}px`;
    el.style.height = `${size + BAR_PX}px`;
    el.style.marginLeft = `${-size / 2}px`;
    el.style.marginTop = `${-size / 2}px`;
    count.style.height = `${size}px`;
    shown.size = size;
  }
  const tone = clusterTone(p);
  if (shown.tone !== tone) {
    el.classList.replace(shown.tone, tone);
    shown.tone = tone;
  }
  if (shown.count !== p.point_count) {
    count.textContent = String(p.point_count);
    shown.count = p.point_count;
  }
  const counts = slotCounts(p);
  for (let slot = 0; slot < AGENCY_SLOTS; slot++) {
    const n = counts[slot]!;
    const was = shown.segments[slot]!;
    if (n === 0 && was === 0) continue;
    const seg = bar.children[slot] as HTMLElement;
    if (n !== was) {
      if (n === 0) seg.style.display = 'none';
      else {
        if (was === 0) seg.style.display = '';
        seg.style.flexGrow = String(n);
      }
      shown.segments[slot] = n;
    }
    const colour = agencies[slot]?.colour ?? OTHER_AGENCY_COLOUR;
    if (n > 0 && shown.colours[slot] !== colour) {
      seg.style.background = colour;
      shown.colours[slot] = colour;
    }
  }
}

/** Colour of units of an agency with no colour of its own. */
export const OTHER_AGENCY_COLOUR = '#8b949e';

/** The tooltip line of a cluster's agencies: "● Police 5 · ● Fire 2", largest first. */
export function agencyBreakdown(p: ClusterProps, agencies: readonly AgencyLook[]): string {
  return slotCounts(p)
    .map((n, slot) => ({ n, look: agencies[slot] ?? { colour: OTHER_AGENCY_COLOUR, name: '?' } }))
    .filter((x) => x.n > 0)
    .sort((a, b) => b.n - a.n)
    .map(({ n, look }) => `<span class="bc-tt-agency"><i style="background:${look.colour}"></i>${escapeHtml(look.name)} ${n}</span>`)
    .join(' · ');
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
