/**
 * The bar across the top: connection state (and a banner whenever it is not live), alert
 * count, new-incident button, user, local clock, language switch and sign-out.
 */
import { localTime } from '../lib/format';
import { common, setLocale, useLocale } from '../lib/i18n';
import type { LiveState } from '../lib/live';
import { useAttention } from './AlertsPanel';
import { t, type MessageKey } from './messages';
import { useConsole } from './session';
import { useLiveState, useNow } from './state';

/** Switches between Chinese and English (the button names the other language). */
export function LanguageToggle() {
  const locale = useLocale();
  return (
    <button type="button" className="ghost" data-testid="language-toggle" lang={locale === 'zh-CN' ? 'en' : 'zh-CN'}
      onClick={() => setLocale(locale === 'zh-CN' ? 'en' : 'zh-CN')}>
      {common('language')}
    </button>
  );
}

/** Local time, ticking every second. */
export function Clock() {
  const now = useNow();
  useLocale();
  return <time className="clock" title={t('top.clock')} dateTime={new Date(now).toISOString()}>{localTime(new Date(now).toISOString())}</time>;
}

/** The top bar and, when not live, the stale-data banner. */
export function TopBar({ onSignOut }: { onSignOut(): void }) {
  const c = useConsole();
  useLocale();
  const state = useLiveState(c.live);
  const { alerts, emergencies } = useAttention();
  const count = alerts.length + emergencies.length;
  const roleKey = `role.${c.actor.role}` as MessageKey;
  return (
    <>
      <header className="top-bar">
        <strong className="brand">{t('app.title')}</strong>
        <span className={`conn conn-${state}`} data-testid="connection-state" data-state={state} title={t('top.connection')} role="status">
          <span className="conn-dot" />{t(`conn.${state}` as MessageKey)}
        </span>
        <button type="button" className={count > 0 ? 'alert-badge hot' : 'alert-badge'} data-testid="alert-count" data-count={count}
          onClick={() => c.focus.alerts?.focus()}>
          ⚠ {t('top.alerts', { n: count })}
        </button>
        <button type="button" className="primary" data-testid="new-incident-button" onClick={() => { c.formCall.set(null); c.formOpen.set(true); }}>
          + {t('top.new_incident')}
        </button>
        <span className="spacer" />
        <span className="user">{t('top.user', { name: c.actor.username, role: t(roleKey) })} · {c.city.agencyName(c.actor.agencyId ?? '')}</span>
        <Clock />
        <LanguageToggle />
        <button type="button" className="ghost" data-testid="sign-out" onClick={onSignOut}>{common('sign_out')}</button>
      </header>
      <ConnectionBanner state={state} />
    </>
  );
}

function ConnectionBanner({ state }: { state: LiveState }) {
  if (state === 'live') return null;
  const text = state === 'reconnecting' ? common('reconnecting') : state === 'incompatible' ? common('incompatible')
    : state === 'connecting' ? common('connecting') : common('signed_out');
  return (
    <div className={`conn-banner banner-${state}`} role="alert" data-testid="connection-banner">
      {text}
      {state === 'incompatible' && <button type="button" onClick={() => location.reload()}>{t('conn.reload')}</button>}
    </div>
  );
}
