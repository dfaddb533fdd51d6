/**
 * The live map: created once, with one Leaflet layer per thing (units, incidents, stations,
 * grids) following the stores, a layer control, the crosshair for picking a location, and
 * the selection kept in step both ways. Exposes `window.__beaconConsole` for tests.
 */
import { useEffect, useRef, useState, type RefObject } from 'react';
import L from 'leaflet';
import { useCameraWall } from '../lib/cameras';
import { common, useLocale } from '../lib/i18n';
import type { IncidentView, UnitWithPosition } from '../lib/stores';
import { createMap } from '../map/base';
import { GridsLayer } from '../map/layers/GridsLayer';
import { IncidentsLayer } from '../map/layers/IncidentsLayer';
import { StationsLayer } from '../map/layers/StationsLayer';
import { UnitsLayer } from '../map/layers/UnitsLayer';
import { CallerLocationsLayer, type CallerProposal } from '../map/layers/CallerLocationsLayer';
import { tc } from './calls/messages';
import { callerLabel, isMine, unconfirmedProposal } from './calls/model';
import { escapeHtml } from '../map/layers/glyphs';
import { localName } from './city';
import { stateLabel, statusLabel, t } from './messages';
import { Panel } from './Panel';
import { useConsole, type ConsoleServices } from './session';
import { useObservable } from './state';

interface MapLayers {
  map: L.Map;
  units: UnitsLayer;
  incidents: IncidentsLayer;
  stations: StationsLayer;
  grids: GridsLayer;
  callers: CallerLocationsLayer;
}

declare global {
  interface Window {
    /** Handles for end-to-end tests and benchmarks. */
    __beaconConsole?: {
      map: L.Map; unitsLayer: UnitsLayer; incidentsLayer: IncidentsLayer; callersLayer: CallerLocationsLayer; live: ConsoleServices['live'];
      stores: { units: ConsoleServices['units']; incidents: ConsoleServices['incidents'] };
    };
  }
}

/** The map panel (`map`): live layers, layer control, selection and location picking. */
export function MapPanel() {
  const c = useConsole();
  const el = useRef<HTMLDivElement>(null);
  const { layers, offline } = useConsoleMap(el, c);
  const selection = useObservable(c.selection);
  const pick = useObservable(c.mapPick);
  const draft = useObservable(c.draftLocation);
  useLayerControl(layers);
  useCameraBadges(layers, c);

  useEffect(() => {
    layers?.units.setSelected(selection.unitId);
    layers?.incidents.setSelected(selection.incidentId);
  }, [layers, selection]);
  useEffect(() => focusSelected(layers, c, selection.unitId, 'unit'), [layers, c, selection.unitId]);
  useEffect(() => focusSelected(layers, c, selection.incidentId, 'incident'), [layers, c, selection.incidentId]);
  useEffect(() => (layers && draft ? showDraft(layers.map, draft) : undefined), [layers, draft]);
  useEffect(() => (layers && pick ? armPick(layers.map, (p) => {
    pick(p);
    c.mapPick.set(null);
  }) : undefined), [layers, pick, c]);

  return (
    <Panel title={t('panel.map')} className="map-panel">
      <div className="map" data-testid="map" ref={el} />
      {pick && <div className="map-banner" role="status">{t('form.picking')}</div>}
      {offline && <div className="map-offline" role="note">{common('map.offline')}</div>}
    </Panel>
  );
}

/** Creates the map and its layers once per console; exposes them for tests. */
function useConsoleMap(el: RefObject<HTMLDivElement | null>, c: ConsoleServices): { layers: MapLayers | null; offline: boolean } {
  const [layers, setLayers] = useState<MapLayers | null>(null);
  const [offline, setOffline] = useState(false);
  useEffect(() => {
    if (!el.current) return;
    const built = buildMap(el.current, c, () => setOffline(true));
    setLayers(built);
    // The grid cell changes size without a window resize (banner, form): keep Leaflet in step.
    const resize = new ResizeObserver(() => built.map.invalidateSize({ debounceMoveend: true }));
    resize.observe(el.current);
    window.__beaconConsole = {
      map: built.map, unitsLayer: built.units, incidentsLayer: built.incidents, callersLayer: built.callers, live: c.live,
      stores: { units: c.units, incidents: c.incidents },
    };
    return () => {
      resize.disconnect();
      delete window.__beaconConsole;
      built.map.remove();
    };
  }, [el, c]);
  return { layers, offline };
}

/** Badges the units whose body camera is live on the open incident (the wall's cameras). */
function useCameraBadges(layers: MapLayers | null, c: ConsoleServices): void {
  const { cameras } = useCameraWall(c.cameras);
  useEffect(() => {
    layers?.units.setCameras(new Set(cameras.flatMap((cam) => (cam.unitId ? [cam.unitId] : []))));
  }, [layers, cameras]);
}

/**
 * A unit clicked on the map is selected. A unit on an incident the dispatcher sees opens that
 * incident too, and its body camera is enlarged on the wall: at once when it is live, or when
 * the incident's cameras arrive (within a few seconds; nothing happens if it has none).
 */
function selectUnitFromMap(c: ConsoleServices, unitId: string): void {
  const unit = c.units.items.get(unitId);
  const incidentId = unit?.incidentId && c.incidents.items.has(unit.incidentId) ? unit.incidentId : null;
  const live = c.cameras.get().cameras.some((cam) => cam.key === unitId);
  if (incidentId || live) {
    c.wallOpen.set(true);
    c.cameras.focusWhenLive(unitId);
  }
  c.selection.update((s) => ({ ...s, unitId, incidentId: incidentId ?? s.incidentId }));
}

/** Leaflet's layer control, rebuilt when the language changes so its labels follow. */
function useLayerControl(layers: MapLayers | null): void {
  const locale = useLocale();
  useEffect(() => {
    if (!layers) return;
    const overlays = {
      [t('layers.units')]: layers.units, [t('layers.incidents')]: layers.incidents,
      [t('layers.stations')]: layers.stations, [t('layers.grids')]: layers.grids, [tc('layers.callers')]: layers.callers,
    };
    const control = L.control.layers(undefined, overlays, { collapsed: false, position: 'topright' }).addTo(layers.map);
    return () => void control.remove();
  }, [layers, locale]);
}

/** Marks the location being entered in the create form. */
function showDraft(map: L.Map, p: { lat: number; lon: number }): () => void {
  const icon = L.divIcon({ className: 'beacon-draft-marker', iconSize: [34, 34], iconAnchor: [17, 17], html: '<span></span>' });
  const marker = L.marker([p.lat, p.lon], { icon, interactive: false, keyboard: false, zIndexOffset: 3000 }).addTo(map);
  return () => void marker.remove();
}

/** Crosshair until the next click on the map, which is handed to `onPick`. */
function armPick(map: L.Map, onPick: (p: { lat: number; lon: number }) => void): () => void {
  const container = map.getContainer();
  container.classList.add('picking');
  const onClick = (e: L.LeafletMouseEvent) => onPick({ lat: round6(e.latlng.lat), lon: round6(e.latlng.lng) });
  map.on('click', onClick);
  return () => {
    container.classList.remove('picking');
    map.off('click', onClick);
  };
}

function buildMap(el: HTMLElement, c: ConsoleServices, onOffline: () => void): MapLayers {
  const map = createMap(el, { city: c.city.data, tileUrl: c.clientConfig.mapTileUrl, attribution: c.clientConfig.mapAttribution, onOffline });
  // Quarter zoom steps, so the whole city fills the map panel instead of half of it.
  map.options.zoomSnap = 0.25;
  map.options.zoomDelta = 0.5;
  map.fitBounds(L.latLngBounds(c.city.data.city.boundary.coordinates[0]!.map(([lon, lat]) => [lat, lon] as [number, number])), { padding: [6, 6] });
  const select = (patch: Partial<{ unitId: string | null; incidentId: string | null }>) => c.selection.update((s) => ({ ...s, ...patch }));
  const units = new UnitsLayer(c.units, {
    onSelect: (unitId) => selectUnitFromMap(c, unitId),
    describe: (u) => describeUnit(c, u),
    describeCluster: (n, available) => `${t('map.cluster', { n })} · ${common('unit.available')} ${available}`,
  });
  const incidents = new IncidentsLayer(c.incidents, {
    onSelect: (incidentId) => select({ incidentId }),
    describe: (i) => describeIncident(c, i),
  });
  const stations = new StationsLayer(c.city.data, {
    describe: (s) => `${escapeHtml(localName(s))} · ${escapeHtml(c.city.agencyName(s.agencyId))}`,
  });
  const grids = new GridsLayer(c.city.data, {
    describe: (g) => [
      `<b>${escapeHtml(t('grid.first_due', { id: g.id }))}</b>`,
      ...Object.entries(g.firstDue).map(([agency, station]) => `${escapeHtml(c.city.agencyName(agency))}: ${escapeHtml(c.city.stationName(station))}`),
    ].join('<br>'),
  });
  const callers = new CallerLocationsLayer(c.calls, {
    pick: (calls) => calls.values().filter((call) => isMine(call, c.actor.id)).flatMap((call): CallerProposal[] => {
      const p = unconfirmedProposal(call);
      return p ? [{ callId: call.id, lat: p.lat, lon: p.lon, radiusM: p.radiusM }] : [];
    }),
    describe: (callId) => describeCaller(c, callId),
    // A caller's phone fix the dispatcher has not looked at yet: move the map as little as will show it.
    onShown: (p) => map.panInside([p.lat, p.lon], { padding: [60, 60], animate: true }),
  });
  stations.addTo(map);
  incidents.addTo(map);
  units.addTo(map);
  callers.addTo(map);
  return { map, units, incidents, stations, grids, callers };
}

function describeUnit(c: ConsoleServices, u: UnitWithPosition): string {
  const parts = [`<b>${escapeHtml(u.callsign)}</b> ${escapeHtml(u.id)}`, escapeHtml(c.city.unitTypeName(u.typeId)), escapeHtml(statusLabel(u.status))];
  if (u.incidentId) parts.push(escapeHtml(u.incidentId));
  if (c.cameras.get().cameras.some((cam) => cam.key === u.id)) parts.push(`<b class="tt-camera">● ${escapeHtml(t('map.camera'))}</b>`);
  if (u.emergency) parts.push(`<b class="tt-emergency">${escapeHtml(t('alert.emergency', { unit: u.callsign }))}</b>`);
  return parts.join('<br>');
}

function describeCaller(c: ConsoleServices, callId: string): string {
  const call = c.calls.items.get(callId);
  const p = call && unconfirmedProposal(call);
  if (!call || !p) return '';
  return escapeHtml(tc('map.caller_proposed', { number: callerLabel(call), m: Math.round(p.radiusM ?? 0) }));
}

function describeIncident(c: ConsoleServices, i: IncidentView): string {
  return [
    `<b>P${i.priority} ${escapeHtml(c.city.incidentTypeName(i.incidentType))}</b>`,
    escapeHtml(i.id), escapeHtml(i.address ?? ''), escapeHtml(stateLabel(i.state)),
  ].filter(Boolean).join('<br>');
}

/** Brings a newly selected unit or incident into view (zooming in past clustering for a unit). */
function focusSelected(layers: MapLayers | null, c: ConsoleServices, id: string | null, kind: 'unit' | 'incident'): void {
  if (!layers || !id) return;
  const map = layers.map;
  const p = kind === 'unit' ? c.units.items.get(id)?.position : c.incidents.items.get(id)?.location;
  if (!p) return;
  const ll = L.latLng(p.lat, p.lon);
  // A unit must be drawn on its own (zoomed past clustering); otherwise move the map as little as will do.
  if (kind === 'unit' && map.getZoom() < 14) map.setView(ll, 15, { animate: true });
  else map.panInside(ll, { padding: [60, 60], animate: true });
}

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;
