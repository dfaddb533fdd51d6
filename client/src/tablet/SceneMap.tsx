/**
 * The scene map: the city basemap centred on the incident, the incident itself, and the
 * incident's units coloured by status and labelled with their ids (an emergency gets a red
 * ring). Units with no known position are listed under the map instead of being guessed.
 */
import { useEffect, useRef, useState } from 'react';
import L from 'leaflet';
import type { ClientConfig } from '../lib/api';
import { common, useLocale } from '../lib/i18n';
import { createMap, PRIORITY_COLOURS, STATUS_COLOURS, type City } from '../map/base';
import type { IncidentView, Store, UnitWithPosition } from '../lib/stores';
import { t } from './messages';

interface Props {
  city: City;
  config: ClientConfig;
  incident: IncidentView;
  units: Store<UnitWithPosition>;
  /** Re-draw trigger: the unit store's version. */
  unitsVersion: number;
}

/** Units this close to the incident are "at the scene": drawn round it and listed in its label. */
const AT_SCENE_M = 80;
/** Units whose markers would be closer than this on screen share one label (theirs would overlap). */
const GROUP_PX = 24;
/** Room above the framed scene for the label over the incident (its rows and the ring of units round it). */
const SCENE_PADDING_TOP = 120;
/** Room a unit's disc takes on a ring (radius 9 plus its outline, plus a gap). */
const DISC_PX = 22;

function metresBetween(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const x = (b.lon - a.lon) * 111_320 * Math.cos((a.lat * Math.PI) / 180);
  const y = (b.lat - a.lat) * 110_574;
  return Math.hypot(x, y);
}

function statusName(status: string): string {
  return common(`unit.${status}` as Parameters<typeof common>[0]);
}

function unitLabel(id: string, status: string): string {
  return `${id} · ${statusName(status)}`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

interface Placed {
  id: string;
  status: string;
  emergency: boolean;
  /** Pixel position at the current zoom (Leaflet's world pixels). */
  pt: L.Point;
}

/** One label for several units: a row per unit, its status colour, id and status. */
function groupLabel(units: Placed[], heading: string | null): string {
  const rows = units.map((u) => {
    const colour = STATUS_COLOURS[u.status] ?? '#8b949e';
    const sos = u.emergency ? ` <span class="sg-sos">${escapeHtml(t('board.emergency'))}</span>` : '';
    return `<div class="sg-row"><i class="sg-dot" style="background:${colour}"></i><b>${escapeHtml(u.id)}</b> · ${escapeHtml(statusName(u.status))}${sos}</div>`;
  });
  return `${heading ? `<div class="sg-head">${escapeHtml(heading)}</div>` : ''}${rows.join('')}`;
}

/** Pixel offsets that spread `n` discs evenly on a ring round their spot, the first at the top. */
function ring(n: number, minRadius: number): { radius: number; offsets: L.Point[] } {
  const radius = Math.max(minRadius, Math.ceil((n * DISC_PX) / (2 * Math.PI)));
  const offsets = Array.from({ length: n }, (_, i) => {
    const a = (2 * Math.PI * i) / n - Math.PI / 2;
    return L.point(Math.cos(a) * radius, Math.sin(a) * radius);
  });
  return { radius, offsets };
}

function drawUnit(group: L.LayerGroup, u: Placed, at: L.LatLng): L.CircleMarker {
  if (u.emergency) L.circleMarker(at, { radius: 16, color: '#f85149', weight: 4, fill: false, interactive: false }).addTo(group);
  return L.circleMarker(at, {
    radius: 9, color: '#0d1117', weight: 2, fillColor: STATUS_COLOURS[u.status] ?? '#8b949e', fillOpacity: 1,
  }).addTo(group);
}

/**
 * Draws the incident and its units at the map's current zoom. Units standing together (at the
 * scene, or closer on screen than GROUP_PX, e.g. in a station's bay) are spread on a small
 * ring round their spot and share one label listing each unit with its status; a unit on its
 * own keeps its own label. Returns the units with no known position.
 */
function drawMarkers(map: L.Map, group: L.LayerGroup, incident: IncidentView, units: Store<UnitWithPosition>): string[] {
  group.clearLayers();
  const zoom = map.getZoom();
  const missing: string[] = [];
  const atScene: Placed[] = [];
  const elsewhere: Placed[] = [];
  for (const [id, assignment] of Object.entries(incident.units)) {
    const unit = units.items.get(id);
    const pos = unit?.position;
    if (!pos) {
      missing.push(id);
      continue;
    }
    const placed = { id, status: assignment.status, emergency: unit.emergency, pt: map.project([pos.lat, pos.lon], zoom) };
    (metresBetween(pos, incident.location) < AT_SCENE_M ? atScene : elsewhere).push(placed);
  }
  const byId = (a: Placed, b: Placed) => a.id.localeCompare(b.id, undefined, { numeric: true });
  const { lat, lon } = incident.location;
  const incidentPt = map.project([lat, lon], zoom);

  // Units not at the scene but drawn over it at this zoom join it (listed apart as "near the scene").
  const sceneReach = ring(atScene.length + 1, 30).radius + GROUP_PX;
  const nearScene = elsewhere.filter((u) => u.pt.distanceTo(incidentPt) < sceneReach).sort(byId);
  const groups: Placed[][] = [];
  for (const u of elsewhere.filter((x) => !nearScene.includes(x)).sort(byId)) {
    // Grouped greedily with the first unit of a group within GROUP_PX on screen.
    const near = groups.find((g) => g[0]!.pt.distanceTo(u.pt) < GROUP_PX);
    if (near) near.push(u);
    else groups.push([u]);
  }
  for (const members of groups) {
    if (members.length === 1) {
      const u = members[0]!;
      drawUnit(group, u, map.unproject(u.pt, zoom)).bindTooltip(unitLabel(u.id, u.status), {
        permanent: true, direction: 'right', offset: [10, 0], className: 'scene-unit-label',
      });
      continue;
    }
    const centre = members.reduce((c, u) => c.add(u.pt), L.point(0, 0)).divideBy(members.length);
    const spot = map.unproject(centre, zoom);
    const { radius, offsets } = ring(members.length, 14);
    members.forEach((u, i) => {
      const at = map.unproject(centre.add(offsets[i]!), zoom);
      L.polyline([spot, at], { color: '#e6edf3', weight: 1.5, opacity: 0.7, interactive: false }).addTo(group);
      drawUnit(group, u, at).bindTooltip(unitLabel(u.id, u.status), { direction: 'top', offset: [0, -10] });
    });
    L.circleMarker(spot, { radius: 3, color: '#e6edf3', weight: 1, fillColor: '#e6edf3', fillOpacity: 1 })
      .bindTooltip(groupLabel(members, null), { permanent: true, direction: 'right', offset: [radius + 12, 0], className: 'scene-unit-label scene-group-label' })
      .addTo(group);
  }

  // The units at (or drawn over) the scene on a ring round the incident, outside its dashed circle.
  const around = [...atScene.sort(byId), ...nearScene];
  const sceneRing = ring(around.length, 30);
  around.forEach((u, i) => {
    drawUnit(group, u, map.unproject(incidentPt.add(sceneRing.offsets[i]!), zoom))
      .bindTooltip(unitLabel(u.id, u.status), { direction: 'top', offset: [0, -10] });
  });
  // The incident last, so it is drawn on top of the units standing at it.
  L.circleMarker([lat, lon], { radius: 18, color: '#ffffff', weight: 3, fill: false, dashArray: '4 4', interactive: false }).addTo(group);
  const marker = L.circleMarker([lat, lon], {
    radius: 7, color: '#ffffff', weight: 2, fillColor: PRIORITY_COLOURS[incident.priority] ?? '#ff4d4f', fillOpacity: 1,
  }).addTo(group);
  if (around.length > 0) {
    const label = (atScene.length ? groupLabel(atScene, t('map.at_scene')) : '') + (nearScene.length ? groupLabel(nearScene, t('map.near_scene')) : '');
    marker.bindTooltip(label, {
      // Above the ring: the scene is framed with room for it (see SCENE_PADDING_TOP).
      permanent: true, direction: 'top', offset: [0, -(sceneRing.radius + 14)], className: 'scene-unit-label scene-group-label',
    });
  } else {
    marker.bindTooltip(incident.address ?? incident.id);
  }
  return missing;
}

/** Leaflet map of one incident's scene. */
export function SceneMap({ city, config, incident, units, unitsVersion }: Props) {
  const el = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const group = useRef<L.LayerGroup | null>(null);
  const [offline, setOffline] = useState(false);
  const [missing, setMissing] = useState<string[]>([]);
  const fittedFor = useRef<string | null>(null);
  const [settled, setSettled] = useState(false);
  const locale = useLocale();
  /** Draws the markers for the latest props (the spread of units standing together depends on the zoom). */
  const redraw = useRef<() => void>(() => {});

  useEffect(() => {
    if (!el.current) return;
    const m = createMap(el.current, { city, tileUrl: config.mapTileUrl, attribution: config.mapAttribution, touch: true, onOffline: () => setOffline(true) });
    map.current = m;
    fittedFor.current = null;
    // The basemap frames the whole city with an animated zoom; a fit made before that animation
    // ends would be undone by it, so the scene is framed once it has settled.
    setSettled(false);
    const settle = () => setSettled(true);
    m.once('zoomend', settle);
    const settleTimer = setTimeout(settle, 400);
    group.current = L.layerGroup().addTo(m);
    m.on('zoomend', () => redraw.current());
    const resize = new ResizeObserver(() => m.invalidateSize());
    resize.observe(el.current);
    return () => {
      clearTimeout(settleTimer);
      resize.disconnect();
      m.remove();
      map.current = null;
      group.current = null;
    };
  }, [city, config]);

  const fit = () => {
    const points: L.LatLngExpression[] = [[incident.location.lat, incident.location.lon]];
    for (const id of Object.keys(incident.units)) {
      const p = units.items.get(id)?.position;
      if (p) points.push([p.lat, p.lon]);
    }
    map.current?.fitBounds(L.latLngBounds(points), { maxZoom: 17, paddingTopLeft: [40, SCENE_PADDING_TOP], paddingBottomRight: [140, 40], animate: false });
  };

  useEffect(() => {
    redraw.current = () => {
      if (!map.current || !group.current) return;
      const next = drawMarkers(map.current, group.current, incident, units);
      setMissing((prev) => (prev.join() === next.join() ? prev : next));
    };
    redraw.current();
    // Frame the scene once per incident, when the unit positions are known; then leave the
    // view to the commander.
    if (settled && fittedFor.current !== incident.id && units.items.size > 0) {
      fittedFor.current = incident.id;
      fit();
    }
  }, [incident, units, unitsVersion, locale, settled]);

  return (
    <section className="panel map-panel" aria-label={t('map.heading')}>
      <div ref={el} className="scene-map" />
      <button type="button" className="btn btn-small map-recentre" onClick={fit}>{t('map.recentre')}</button>
      {offline && <p className="map-note muted small">{common('map.offline')}</p>}
      {missing.length > 0 && <p className="map-note muted small">{t('map.no_position', { units: missing.join(', ') })}</p>}
    </section>
  );
}
