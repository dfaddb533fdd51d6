/**
 * The video wall: a tile per live body camera of the incident the dispatcher has open
 * (`video-tile-<unitId>`). Tiles are small, so each asks the server for the lowest simulcast
 * layer. Video only is shown (tiles are muted); the audio is received with it.
 */
import { useEffect, useRef, useState } from 'react';
import { useLocale } from '../lib/i18n';
import { viewIncident, type IncidentTrack, type IncidentView } from '../lib/media';
import { OPEN_INCIDENT_STATES, useStore } from '../lib/stores';
import { t } from './messages';
import { Panel } from './Panel';
import { useConsole } from './session';
import { useObservable } from './state';

/** For end-to-end tests and diagnostics: the open incident's receive statistics. */
declare global {
  interface Window {
    __beaconVideo?: { incidentId: string; stats(): ReturnType<IncidentView['stats']> };
  }
}

/** The spatial layer small tiles ask for (0: the 1/4-resolution simulcast layer). */
const TILE_LAYER = 0;

interface Camera {
  key: string;
  unitId: string | null;
  stream: MediaStream;
  producerIds: string[];
}

export function VideoWall() {
  const c = useConsole();
  useLocale();
  const { incidentId } = useObservable(c.selection);
  const incidents = useStore(c.incidents);
  const incident = incidentId ? incidents.items.get(incidentId) : undefined;
  // Closed incidents have no room; an incident not in the queue yet may still be viewable.
  const viewable = !!incidentId && (!incident || OPEN_INCIDENT_STATES.includes(incident.state));
  const [cameras, setCameras] = useState<Camera[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setCameras([]);
    setError(null);
    if (!viewable || !incidentId) return;
    const add = (tr: IncidentTrack) => setCameras((list) => {
      const key = tr.unitId ?? tr.producerId;
      const existing = list.find((cam) => cam.key === key);
      if (existing) {
        const stream = new MediaStream([...existing.stream.getTracks().filter((x) => x.kind !== tr.kind), tr.track]);
        return list.map((cam) => (cam === existing ? { ...cam, stream, producerIds: [...cam.producerIds, tr.producerId] } : cam));
      }
      return [...list, { key, unitId: tr.unitId, stream: new MediaStream([tr.track]), producerIds: [tr.producerId] }];
    });
    const remove = (producerId: string) => setCameras((list) => list.flatMap((cam) => {
      if (!cam.producerIds.includes(producerId)) return [cam];
      const producerIds = cam.producerIds.filter((p) => p !== producerId);
      return producerIds.length ? [{ ...cam, producerIds }] : [];
    }));
    const view = viewIncident(c.live, incidentId, {
      onTrack(tr) {
        add(tr);
        if (tr.kind === 'video') view.setPreferredLayers(tr.producerId, TILE_LAYER).catch(() => undefined);
      },
      onTrackEnded: remove,
      onChange: (s) => setError(s.error && !s.running ? s.error.message : null),
    });
    window.__beaconVideo = { incidentId, stats: () => view.stats() };
    return () => {
      view.stop();
      if (window.__beaconVideo?.incidentId === incidentId) delete window.__beaconVideo;
    };
  }, [c, incidentId, viewable]);

  return (
    <Panel title={t('panel.video')} testId="slot-video" className="video-wall" extra={{ 'data-incident-id': incidentId ?? '' }}>
      {error && <p className="hint error">{error}</p>}
      {cameras.length === 0 && !error && <p className="muted">{incidentId ? t('video.none') : t('video.no_incident')}</p>}
      <div className="video-tiles">
        {cameras.map((cam) => <VideoTile key={cam.key} camera={cam} />)}
      </div>
    </Panel>
  );
}

function VideoTile({ camera }: { camera: Camera }) {
  const ref = useRef<HTMLVideoElement | null>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.srcObject = camera.stream;
    el.play().catch(() => undefined);
  }, [camera.stream]);
  return (
    <figure className="video-tile" data-testid={`video-tile-${camera.unitId ?? camera.key}`}>
      <video ref={ref} muted autoPlay playsInline />
      <figcaption>{camera.unitId ?? '?'}</figcaption>
    </figure>
  );
}
