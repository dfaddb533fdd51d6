/**
 * The incident's body cameras on the commander's tablet (`cameras-panel`): a row of tiles, each
 * on the smallest simulcast layer; a tap enlarges one (`camera-focus`, top layer) over the
 * screen, and a tap on it or on Close goes back. Touch targets are 48 px and up; one camera's
 * audio at a time can be listened to.
 */
import { useEffect, useState } from 'react';
import { CameraWall, useCameraWall, type CameraWallState, type LiveCamera } from '../lib/cameras';
import type { LiveClient, LiveState } from '../lib/live';
import type { IncidentViewStats } from '../lib/media';
import type { Store, UnitWithPosition } from '../lib/stores';
import { SpeakerIcon } from '../lib/SpeakerIcon';
import { useCameraVideo } from '../lib/useVideoSignal';
import { t } from './messages';

/** For end-to-end tests and diagnostics: the incident's receive statistics. */
declare global {
  interface Window {
    __beaconTabletVideo?: { incidentId: string; stats(): Promise<IncidentViewStats> };
  }
}

interface Props {
  live: LiveClient | null;
  state: LiveState;
  incidentId: string;
  units: Store<UnitWithPosition>;
}

/** Cameras of the incident; one enlarged over the screen when tapped. */
export function CamerasPanel({ live, state, incidentId, units }: Props) {
  const wall = useIncidentWall(live, incidentId);
  const cameras = wall.state.cameras;
  const focused = cameras.find((cam) => cam.key === wall.state.focused) ?? null;
  const tileOf = (cam: LiveCamera, big: boolean) => (
    <CameraTile
      key={cam.key} camera={cam} big={big} unit={cam.unitId ? units.items.get(cam.unitId) : undefined}
      listening={wall.state.listening === cam.key}
      onTap={() => wall.control?.focus(big ? null : cam.key)}
      onListen={(on) => wall.control?.listen(on ? cam.key : null)}
    />
  );
  return (
    <section className={`panel cameras-panel${state !== 'live' ? ' stale' : ''}`} data-testid="cameras-panel" data-cameras={cameras.length} aria-labelledby="cameras-heading">
      <div className="panel-head">
        <h2 id="cameras-heading">{t('cameras.heading')}</h2>
        {cameras.length > 0 && <span className="camera-count">● {t('cameras.count', { n: cameras.length })}</span>}
        <span className="muted small grow">{cameras.length > 0 ? t('cameras.hint') : ''}</span>
      </div>
      {cameras.length === 0 && <p className="muted small">{wall.state.error ?? t('cameras.none')}</p>}
      <div className="camera-row">{cameras.map((cam) => tileOf(cam, false))}</div>
      {focused && (
        <div className="camera-focus" data-testid="camera-focus" data-unit-id={focused.key} role="dialog" aria-modal="true" aria-label={focused.key}>
          <button type="button" className="btn camera-close" data-testid="camera-close" onClick={() => wall.control?.focus(null)}>
            ✕ {t('cameras.close')}
          </button>
          {tileOf(focused, true)}
        </div>
      )}
    </section>
  );
}

/** A CameraWall on this incident while the tablet has a connection. */
function useIncidentWall(live: LiveClient | null, incidentId: string): { control: CameraWall | null; state: CameraWallState } {
  const [control, setControl] = useState<CameraWall | null>(null);
  useEffect(() => {
    if (!live) return;
    const wall = new CameraWall(live);
    wall.show(incidentId);
    setControl(wall);
    window.__beaconTabletVideo = { incidentId, stats: () => wall.stats() };
    return () => {
      wall.close();
      setControl(null);
      if (window.__beaconTabletVideo?.incidentId === incidentId) delete window.__beaconTabletVideo;
    };
  }, [live, incidentId]);
  return { control, state: useCameraWall(control) };
}

interface TileProps {
  camera: LiveCamera;
  big: boolean;
  unit: UnitWithPosition | undefined;
  listening: boolean;
  onTap(): void;
  onListen(on: boolean): void;
}

function CameraTile({ camera, big, unit, listening, onTap, onListen }: TileProps) {
  const { ref, signal } = useCameraVideo(camera, listening);
  const label = camera.unitId ?? '?';
  return (
    <figure
      className={`camera-tile${big ? ' big' : ''} signal-${signal}`} data-testid={`camera-tile-${camera.key}${big ? '-big' : ''}`}
      data-signal={signal} data-listening={listening ? 'true' : 'false'}
    >
      <button type="button" className="camera-video" onClick={onTap} aria-label={big ? t('cameras.close') : t('cameras.enlarge', { unit: label })}>
        <video ref={ref} muted autoPlay playsInline />
      </button>
      <span className={`camera-signal ${signal}`}>{signal === 'live' ? `● ${t('cameras.live')}` : signal === 'stalled' ? t('cameras.stalled') : t('cameras.connecting')}</span>
      <figcaption>
        <b>{label}</b> {unit && <span className="muted">{unit.callsign}</span>}
        <button
          type="button" className={`btn btn-small camera-listen${listening ? ' on' : ''}`} aria-pressed={listening}
          data-testid={`camera-listen-${camera.key}`} onClick={() => onListen(!listening)}
        >
          <SpeakerIcon on={listening} /> {listening ? t('cameras.listening') : t('cameras.listen')}
        </button>
      </figcaption>
    </figure>
  );
}
