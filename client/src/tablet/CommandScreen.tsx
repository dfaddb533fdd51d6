/**
 * The commander's screen: the agency's open incidents (queue feed) on the left, the chosen
 * incident on the right; units of every district are followed for statuses and positions.
 */
import { useEffect, useState } from 'react';
import type { ApiClient, ClientConfig } from '../lib/api';
import { common, setLocale, useLocale } from '../lib/i18n';
import type { City } from '../map/base';
import { Store, followQueues, followUnits, useStore, type IncidentView, type UnitWithPosition } from '../lib/stores';
import { ConnectionBanner, ConnectionPill } from '../lib/Connection';
import { IncidentList } from './IncidentList';
import { IncidentPanel } from './IncidentPanel';
import { useLiveClient } from '../lib/session';
import { t } from './messages';

const SELECTED_KEY = 'beacon.tablet.incident';

interface Props {
  api: ApiClient;
  token: string;
  agencyId: string;
  displayName: string;
  onLogout(): void;
}

/** City data (districts, unit types, incident types) and map settings. */
function useCity(api: ApiClient): { city: City | null; config: ClientConfig | null } {
  const [city, setCity] = useState<City | null>(null);
  const [config, setConfig] = useState<ClientConfig | null>(null);
  useEffect(() => {
    api.get<City>('/api/v1/city').then(setCity, () => undefined);
    api.clientConfig().then(setConfig, () => setConfig({ mapTileUrl: null, mapAttribution: '', protocolVersion: 0 }));
  }, [api]);
  return { city, config };
}

/** The signed-in commander's screen. */
export function CommandScreen({ api, token, agencyId, displayName, onLogout }: Props) {
  const locale = useLocale();
  const { live, state } = useLiveClient(token);
  const { city, config } = useCity(api);
  const [incidents] = useState(() => new Store<IncidentView>());
  const [units] = useState(() => new Store<UnitWithPosition>());
  const [selected, setSelected] = useState<string | null>(() => sessionStorage.getItem(SELECTED_KEY));
  useStore(incidents);

  useEffect(() => {
    if (live && state === 'signed_out') onLogout();
  }, [live, state, onLogout]);

  useEffect(() => (live ? followQueues(live, [agencyId], incidents) : undefined), [live, agencyId, incidents]);
  useEffect(() => {
    if (!live || !city) return;
    return followUnits(live, city.districts.map((d) => d.id), units);
  }, [live, city, units]);

  const select = (id: string) => {
    sessionStorage.setItem(SELECTED_KEY, id);
    setSelected(id);
  };
  const open = incidents.values();
  const selectedOpen = selected !== null && incidents.items.has(selected);
  const queueLoaded = incidents.version > 0;

  return (
    <div className="tablet">
      <header className="topbar">
        <span className="brand">Beacon</span>
        <span className="app-name">{t('app')}</span>
        <span className="grow muted small">{displayName}</span>
        <ConnectionPill state={state} t={t} />
        <button type="button" className="btn btn-small" data-testid="language-toggle" onClick={() => setLocale(locale === 'en' ? 'zh-CN' : 'en')}>
          {common('language')}
        </button>
        <button type="button" className="btn btn-small" onClick={onLogout}>{common('sign_out')}</button>
      </header>
      <ConnectionBanner state={state} lastFrameAt={live?.lastFrameAt ?? 0} t={t} />
      <div className="layout">
        <IncidentList incidents={open} selectedId={selected} city={city} stale={state !== 'live'} onSelect={select} />
        <main className="content">
          {selected && queueLoaded && !selectedOpen && <p className="hint warn pad">{t('pick.gone', { id: selected })}</p>}
          {selected && (selectedOpen || !queueLoaded) ? (
            <IncidentPanel key={selected} api={api} live={live} state={state} incidentId={selected} city={city} config={config} units={units} />
          ) : (
            <p className="muted pad">{t('pick.prompt')}</p>
          )}
        </main>
      </div>
    </div>
  );
}
