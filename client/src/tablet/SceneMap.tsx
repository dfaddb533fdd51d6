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

/** Units this close to the incident are "at the scene" and share one label (theirs would overlap). */
const AT_SCENE_M = 80;

function metresBetween(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const x = (b.lon - a.lon) * 111_320 * Math.cos((a.lat * Math.PI) / 180);
  const y = (b.lat - a.lat) * 110_574;
  return Math.hypot(x, y);
}

function unitLabel(id: string, status: string): string {
  return `${id} · ${common(`unit.${status}` as Parameters<typeof common>[0])}`;
}

function drawMarkers(group: L.LayerGroup, incident: IncidentView, units: Store<UnitWithPosition>): string[] {
  group.clearLayers();
  const missing: string[] = [];
  const atScene: string[] = [];
  for (const [id, assignment] of Object.entries(incident.units)) {
    const unit = units.items.get(id);
    const pos = unit?.position;
    if (!pos) {
      missing.push(id);
      continue;
    }
    const here = metresBetween(pos, incident.location) < AT_SCENE_M;
    if (here) atScene.push(id);
    if (unit.emergency) L.circleMarker([pos.lat, pos.lon], { radius: 16, color: '#f85149', weight: 4, fill: false }).addTo(group);
    L.circleMarker([pos.lat, pos.lon], {
      radius: 9, color: '#0d1117', weight: 2, fillColor: STATUS_COLOURS[assignment.status] ?? '#8b949e', fillOpacity: 1,
    }).bindTooltip(unitLabel(id, assignment.status), {
      permanent: !here, direction: 'right', offset: [10, 0], className: 'scene-unit-label',
    }).addTo(group);
  }
  // The incident last, so it is drawn on top of the units standing at it.
  const { lat, lon } = incident.location;
  L.circleMarker([lat, lon], { radius: 18, color: '#ffffff', weight: 3, fill: false, dashArray: '4 4' }).addTo(group);
  const marker = L.circleMarker([lat, lon], {
    radius: 7, color: '#ffffff', weight: 2, fillColor: PRIORITY_COLOURS[incident.priority] ?? '#ff4d4f', fillOpacity: 1,
  }).addTo(group);
  if (atScene.length > 0) {
    marker.bindTooltip(`${t('map.at_scene')}: ${atScene.join(', ')}`, { permanent: true, direction: 'top', offset: [0, -18], className: 'scene-unit-label' });
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
    map.current?.fitBounds(L.latLngBounds(points), { maxZoom: 17, paddingTopLeft: [40, 60], paddingBottomRight: [140, 40], animate: false });
  };

  useEffect(() => {
    if (!group.current) return;
    setMissing(drawMarkers(group.current, incident, units));
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
