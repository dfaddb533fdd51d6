/**
 * The connection, told honestly: a pill that is green only while the live client is `live`,
 * and a banner (with the time of the last frame) whenever it is not.
 */
import type { LiveState } from './live';
import { common } from './i18n';
import { localTime } from './format';

/** The app's messages for the connection keys (each app words them for its users). */
export type ConnectionMessages = (key: 'conn.label' | `conn.${LiveState}` | 'stale.banner' | 'reload', params?: Record<string, string | number>) => string;

/** Header pill; `data-state` is the LiveClient state. */
export function ConnectionPill({ state, t }: { state: LiveState; t: ConnectionMessages }) {
  return (
    <span className={`conn-pill conn-${state}`} data-testid="connection-state" data-state={state} role="status" aria-label={`${t('conn.label')}: ${t(`conn.${state}`)}`}>
      <span className="conn-dot" aria-hidden="true" />
      {t(`conn.${state}`)}
    </span>
  );
}

/** Shown whenever the data on screen is not being kept live. */
export function ConnectionBanner({ state, lastFrameAt, t }: { state: LiveState; lastFrameAt: number; t: ConnectionMessages }) {
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
