/**
 * One body camera on the console's video wall (`video-tile-<unitId>`): the video, muted unless
 * the dispatcher listens in, the unit's id, call sign and type, a live indicator and the listen
 * toggle. A small tile is a button: click, Enter or Space enlarges it.
 */
import { type KeyboardEvent } from 'react';
import type { LiveCamera } from '../../lib/cameras';
import { SpeakerIcon } from '../../lib/SpeakerIcon';
import { useCameraVideo } from '../../lib/useVideoSignal';
import { t } from '../messages';
import { useConsole } from '../session';

interface Props {
  camera: LiveCamera;
  /** The enlarged tile of the focus view (else a small tile of the grid or the strip). */
  big?: boolean;
  listening: boolean;
  onEnlarge?(): void;
  onListen(on: boolean): void;
}

/** A camera tile; `data-size` is `big` or `small`, `data-listening` true while its audio plays. */
export function VideoTile({ camera, big = false, listening, onEnlarge, onListen }: Props) {
  const c = useConsole();
  const { ref, signal } = useCameraVideo(camera, listening);

  const unit = camera.unitId ? c.units.items.get(camera.unitId) : undefined;
  const name = unit ? `${unit.callsign} · ${c.city.unitTypeName(unit.typeId)}` : '';
  const label = camera.unitId ?? t('video.source');
  const onKeyDown = (e: KeyboardEvent<HTMLElement>) => {
    if (!onEnlarge || e.target !== e.currentTarget) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onEnlarge();
    }
  };
  return (
    <figure
      className={`video-tile ${big ? 'big' : 'small'} signal-${signal}${listening ? ' listening' : ''}`}
      data-testid={`video-tile-${camera.key}`} data-camera-key={camera.key} data-size={big ? 'big' : 'small'}
      data-signal={signal} data-listening={listening ? 'true' : 'false'}
      tabIndex={0} role={onEnlarge ? 'button' : 'group'} aria-label={onEnlarge ? t('video.enlarge', { unit: label }) : `${label} ${name}`}
      onClick={onEnlarge} onKeyDown={onKeyDown}
    >
      <video ref={ref} muted autoPlay playsInline />
      <span className={`vt-signal ${signal}`}>
        {signal === 'live' ? `● ${t('video.live')}` : signal === 'stalled' ? t('video.stalled') : t('video.connecting')}
      </span>
      <button
        type="button" className={`vt-listen small${listening ? ' active' : ''}`} aria-pressed={listening}
        data-testid={`video-listen-${camera.key}`} title={t('video.listen_hint')}
        onClick={(e) => {
          e.stopPropagation();
          onListen(!listening);
        }}
        onKeyDown={(e) => e.stopPropagation()}
      >
        <SpeakerIcon on={listening} /> {listening ? t('video.listening') : t('video.listen')}
      </button>
      <figcaption>
        <b>{label}</b>
        {name && <span className="vt-name">{name}</span>}
      </figcaption>
    </figure>
  );
}
