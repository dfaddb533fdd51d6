/**
 * The body camera switch, shown while the unit has an assignment: the phone's camera and
 * microphone go to the incident's video room (dispatch watches them on the console). Turning
 * it off, or the assignment ending, stops the stream and releases the camera. GPS sharing is
 * independent of it.
 */
import { useEffect, useState } from 'react';
import type { LiveClient } from '../lib/live';
import { publishCamera, type MediaSession } from '../lib/media';
import { t } from './messages';

interface Props {
  live: LiveClient | null;
  unitId: string;
  incidentId: string;
}

type CameraState = { phase: 'off' } | { phase: 'starting' } | { phase: 'live' } | { phase: 'error'; message: string };

/** Camera toggle (`camera-toggle`, `data-live`) for the unit's current incident. */
export function CameraPanel({ live, unitId, incidentId }: Props) {
  const [on, setOn] = useState(false);
  const [state, setState] = useState<CameraState>({ phase: 'off' });

  useEffect(() => {
    if (!on || !live) {
      setState({ phase: 'off' });
      return;
    }
    let cancelled = false;
    let stream: MediaStream | null = null;
    let session: MediaSession | null = null;
    setState({ phase: 'starting' });
    navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 }, audio: true }).then(
      (s) => {
        stream = s;
        if (cancelled) return s.getTracks().forEach((tr) => tr.stop());
        session = publishCamera(live, incidentId, unitId, s, (m) => {
          if (cancelled) return;
          if (m.running) setState({ phase: 'live' });
          else if (m.error) setState({ phase: 'error', message: m.error.message });
          else setState({ phase: 'starting' });
        });
      },
      (err: unknown) => {
        if (!cancelled) setState({ phase: 'error', message: err instanceof Error ? err.message : String(err) });
      },
    );
    return () => {
      cancelled = true;
      session?.stop();
      stream?.getTracks().forEach((tr) => tr.stop());
    };
  }, [on, live, unitId, incidentId]);

  const isLive = state.phase === 'live';
  return (
    <section className="panel camera-panel" aria-labelledby="camera-heading">
      <div className="gps-row">
        <h2 id="camera-heading">{t('camera.heading')}</h2>
        <button
          type="button"
          role="switch"
          aria-checked={on}
          aria-labelledby="camera-heading"
          data-testid="camera-toggle"
          data-live={isLive ? 'true' : 'false'}
          className={`switch${on ? ' switch-on' : ''}`}
          onClick={() => setOn(!on)}
        >
          <span className="switch-track" aria-hidden="true">
            <span className="switch-knob" />
          </span>
          <span className="switch-text">
            {isLive ? t('camera.on') : on && state.phase !== 'error' ? t('camera.starting') : t('camera.off')}
          </span>
        </button>
      </div>
      {state.phase === 'error' && <p className="hint error" role="alert">{t('camera.failed', { message: state.message })}</p>}
    </section>
  );
}
