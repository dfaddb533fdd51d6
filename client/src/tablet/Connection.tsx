/**
 * The connection, told honestly: a pill that is green only while the live client is `live`,
 * and a banner (with the time of the last frame) whenever it is not.
 */
import type { LiveState } from '../lib/live';
import { common } from '../lib/i18n';
import { localTime } from '../lib/format';
import { t } from './messages';

/** Header pill; `data-state` is the LiveClient state. */
export function ConnectionPill({ state }: { state: LiveState }) {
  return (
    <span className={`conn-pill conn-${state}`} data-testid="connection-state" data-state={state} role="status" aria-label={`${t('conn.label')}: ${t(`conn.${state}`)}`}>
      <span className="conn-dot" aria-hidden="true" />
      {t(`conn.${state}`)}
    </span>
  );
}

/** Shown whenever the data on screen is not being kept live. */
export function ConnectionBanner({ state, lastFrameAt }: { state: LiveState; lastFrameAt: number }) {
  if (state === 'live') return null;
  const last = lastFrameAt > 0 ? localTime(new Date(lastFrameAt).toISOString()) : '—';
  return (
    <div className={`banner banner-${state === 'incompatible' ? 'error' : 'warn'}`} role="alert">
      <strong>{common(state)}</strong>
      {state !== 'incompatible' && state !== 'connecting' && lastFrameAt > 0 && <span> {t('stale.banner', { time: last })}</span>}
      {state === 'incompatible' && (
        <button type="button" className="btn btn-small" onClick={() => location.reload()}>{t('reload')}</button>
      )}
    </div>
  );
}
