/**
 * The crew's screen: who we are and how connected, our status and its buttons, the call we
 * are on, location sharing, and the emergency button always in reach at the bottom.
 */
import { useEffect, useState } from 'react';
import type { ApiClient } from '../lib/api';
import type { LiveState } from '../lib/live';
import { common, setLocale, useLocale } from '../lib/i18n';
import type { CitySeed } from '../../../config/seed/schema';
import { Assignment, type TypeNames } from './Assignment';
import { CameraPanel } from './CameraPanel';
import { ConnectionBanner, ConnectionPill } from '../lib/Connection';
import { DispatchFlash, useDispatchAlert } from './DispatchAlert';
import { EmergencyButton } from './EmergencyButton';
import { GpsPanel } from './GpsPanel';
import { StatusPanel } from './StatusPanel';
import { useCommand, type CommandTracker } from '../lib/useCommand';
import { useGpsSharing } from './useGpsSharing';
import { useOwnUnit } from './useOwnUnit';
import { useLiveClient } from '../lib/session';
import { t } from './messages';

const GPS_KEY = 'beacon.unit.shareLocation';

interface Props {
  api: ApiClient;
  token: string;
  unitId: string;
  onLogout(): void;
}

/** Incident type names from the city data (ids are shown until they arrive). */
function useTypeNames(api: ApiClient): TypeNames {
  const [names, setNames] = useState<TypeNames>({});
  useEffect(() => {
    api.get<Pick<CitySeed, 'incidentTypes'>>('/api/v1/city').then(
      (city) => setNames(Object.fromEntries(city.incidentTypes.map((it) => [it.id, { name: it.name, nameZh: it.nameZh }]))),
      () => undefined,
    );
  }, [api]);
  return names;
}

/** The signed-in crew's screen for unit `unitId`. */
export function UnitScreen({ api, token, unitId, onLogout }: Props) {
  const locale = useLocale();
  const { live, state } = useLiveClient(token);
  const { unit, error } = useOwnUnit(live, unitId);
  const typeNames = useTypeNames(api);
  const [gpsOn, setGpsOn] = useState(() => localStorage.getItem(GPS_KEY) === 'on');
  const gps = useGpsSharing(live, state, unitId, gpsOn);
  const statusCommands = useCommand(live);
  const emergencyCommands = useCommand(live);
  const dispatch = useDispatchAlert(live, unit);

  // The server no longer accepts the token (expired, revoked): back to the sign-in form.
  useEffect(() => {
    if (live && state === 'signed_out') onLogout();
  }, [live, state, onLogout]);

  const toggleGps = (next: boolean) => {
    localStorage.setItem(GPS_KEY, next ? 'on' : 'off');
    setGpsOn(next);
  };
  const label = unit ? `${unit.callsign} (${unit.id})` : unitId;
  const position = gps.fix ?? unit?.position ?? null;

  return (
    <div className={`unit-page${unit?.emergency ? ' in-emergency' : ''}${dispatch.incidentId ? ' dispatch-alerting' : ''}`}>
      <header className="topbar">
        <div className="who">
          <span className="callsign">{unit?.callsign ?? unitId}</span>
          <span className="muted small">{unitId}</span>
        </div>
        <ConnectionPill state={state} t={t} />
        <button type="button" className="btn btn-small" data-testid="language-toggle" onClick={() => setLocale(locale === 'en' ? 'zh-CN' : 'en')}>
          {common('language')}
        </button>
      </header>
      <ConnectionBanner state={state} lastFrameAt={live?.lastFrameAt ?? 0} t={t} />
      <main className="unit-main">
        {unit?.emergency && <div className="banner banner-error emergency-banner" role="alert">{t('emergency.active')}</div>}
        {dispatch.incidentId && <DispatchFlash incidentId={dispatch.incidentId} onDismiss={dispatch.dismiss} />}
        {error && <p className="hint error" role="alert">{t('unit.load_failed', { message: error })}</p>}
        {!unit && !error && <p className="muted" aria-busy="true">{t('unit.loading')}</p>}
        {unit && <StatusPanel unit={unit} state={state} commands={statusCommands} />}
        {unit && (
          <Assignment live={live} state={state} unitId={unitId} incidentId={unit.incidentId} position={position} typeNames={typeNames} />
        )}
        {unit?.incidentId && <CameraPanel key={unit.incidentId} live={live} unitId={unitId} incidentId={unit.incidentId} />}
        <GpsPanel enabled={gpsOn} onToggle={toggleGps} gps={gps} state={state} />
        <button type="button" className="btn btn-secondary sign-out" onClick={onLogout}>{common('sign_out')}</button>
      </main>
      <EmergencyFooter
        state={state}
        unitId={unitId}
        unitLabel={label}
        active={unit?.emergency ?? false}
        commands={emergencyCommands}
      />
    </div>
  );
}

interface FooterProps {
  state: LiveState;
  unitId: string;
  unitLabel: string;
  active: boolean;
  commands: CommandTracker;
}

/** The emergency button, always at the bottom, with an unmissable word when it has not gone out. */
function EmergencyFooter({ state, unitId, unitLabel, active, commands }: FooterProps) {
  const send = (on: boolean) => void commands.run('emergency', { type: 'unit.emergency', unitId, active: on });
  return (
    <footer className="emergency-bar">
      {commands.pending && (
        <p className={`hint ${state === 'live' ? 'warn' : 'error emergency-queued'}`} role="alert">
          {state === 'live' ? t('emergency.sending') : t('emergency.queued')}
        </p>
      )}
      {commands.error && <p className="hint error" role="alert">{t('action.refused', { message: commands.error })}</p>}
      <EmergencyButton
        active={active}
        pending={commands.pending !== null}
        unitLabel={unitLabel}
        onRaise={() => send(true)}
        onCancel={() => send(false)}
      />
    </footer>
  );
}
