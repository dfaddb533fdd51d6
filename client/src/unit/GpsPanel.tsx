/** The "Share location" switch and what it has done: last report sent, accuracy, problems. */
import { localTime } from '../lib/format';
import type { LiveState } from '../lib/live';
import type { GpsStatus } from './useGpsSharing';
import { t } from './messages';

interface Props {
  enabled: boolean;
  onToggle(next: boolean): void;
  gps: GpsStatus;
  state: LiveState;
}

/** Location sharing toggle (a switch) with its last-sent time. */
export function GpsPanel({ enabled, onToggle, gps, state }: Props) {
  const sent = gps.lastSentAt ? t('gps.last_sent', { time: localTime(new Date(gps.lastSentAt).toISOString()) }) : t('gps.never_sent');
  return (
    <section className="panel gps-panel" aria-labelledby="gps-heading">
      <div className="gps-row">
        <h2 id="gps-heading">{t('gps.heading')}</h2>
        <button
          type="button"
          role="switch"
          aria-checked={enabled}
          aria-labelledby="gps-heading"
          data-testid="gps-toggle"
          className={`switch${enabled ? ' switch-on' : ''}`}
          onClick={() => onToggle(!enabled)}
        >
          <span className="switch-track" aria-hidden="true">
            <span className="switch-knob" />
          </span>
          <span className="switch-text">{enabled ? t('gps.on') : t('gps.off')}</span>
        </button>
      </div>
      <p className="small" data-testid="gps-last-sent" data-sent-at={gps.lastSentAt ? new Date(gps.lastSentAt).toISOString() : ''}>
        {sent}
      </p>
      {enabled && !gps.fix && !gps.error && <p className="hint muted">{t('gps.waiting_fix')}</p>}
      {enabled && gps.fix?.accuracyM !== undefined && <p className="hint muted">{t('gps.accuracy', { m: Math.round(gps.fix.accuracyM) })}</p>}
      {enabled && state !== 'live' && <p className="hint warn">{t('gps.not_live')}</p>}
      {gps.error && (
        <p className="hint error" role="alert">
          {gps.error.kind === 'denied' ? t('gps.denied') : gps.error.kind === 'unsupported' ? t('gps.unsupported') : t('gps.unavailable', { message: gps.error.message })}
        </p>
      )}
    </section>
  );
}
