/**
 * Command of one incident: what it is and its state (with "Under control"), its body cameras, the ICS board,
 * the scene map, resource requests, the decision log and the timeline.
 */
import { common, currentLocale } from '../lib/i18n';
import { localTime } from '../lib/format';
import type { ApiClient, ClientConfig } from '../lib/api';
import type { LiveClient, LiveState } from '../lib/live';
import { PRIORITY_COLOURS, type City } from '../map/base';
import { useStore, type Store, type UnitWithPosition } from '../lib/stores';
import { CamerasPanel } from './CamerasPanel';
import { DecisionLog } from './DecisionLog';
import { IcsBoard } from './IcsBoard';
import { ResourceRequest } from './ResourceRequest';
import { SceneMap } from './SceneMap';
import { Timeline } from './Timeline';
import { useCommand } from '../lib/useCommand';
import { useIncidentFeed } from './useIncidentFeed';
import { t } from './messages';

interface Props {
  api: ApiClient;
  live: LiveClient | null;
  state: LiveState;
  incidentId: string;
  city: City | null;
  config: ClientConfig | null;
  units: Store<UnitWithPosition>;
}

/** Everything the commander works with for the chosen incident. */
export function IncidentPanel({ api, live, state, incidentId, city, config, units }: Props) {
  const { view, events, partial } = useIncidentFeed(api, live, incidentId);
  const unitStore = useStore(units);
  const control = useCommand(live);
  const stale = state !== 'live';

  if (!view) return <p className="muted pad" aria-busy="true">{t('incident.loading')}</p>;
  const type = city?.incidentTypes.find((x) => x.id === view.incidentType);
  const typeName = type ? (currentLocale() === 'zh-CN' ? type.nameZh : type.name) : view.incidentType;
  const isUnderControl = view.state === 'under_control';

  return (
    <div className="incident-panel">
      <section className={`panel incident-head${stale ? ' stale' : ''}`} data-incident-id={view.id}>
        <span className="priority-badge big" style={{ background: PRIORITY_COLOURS[view.priority] }}>
          {common(`priority.${view.priority}` as Parameters<typeof common>[0])}
        </span>
        <div className="grow">
          <h1>{typeName} <span className="muted small">{view.id}</span></h1>
          <p className="small">
            {view.address ?? '—'} · {t('incident.created', { time: localTime(view.createdAt) })} ·{' '}
            <strong className={`state state-${view.state}`}>{common(`incident.${view.state}` as Parameters<typeof common>[0])}</strong>
          </p>
          {view.description && <p className="small muted">{view.description}</p>}
        </div>
        <div className="under-control">
          <button
            type="button"
            className={`btn ${isUnderControl ? 'btn-done' : 'btn-warn'}`}
            data-testid="under-control"
            disabled={view.state !== 'active' || control.pending !== null}
            onClick={() => void control.run('under_control', { type: 'incident.under_control', incidentId: view.id })}
          >
            {control.pending ? t('sending') : isUnderControl ? t('incident.under_control_done') : t('incident.under_control')}
          </button>
          {!isUnderControl && view.state !== 'active' && <p className="hint muted small">{t('incident.under_control_hint')}</p>}
          {control.error && <p className="hint error" role="alert">{t('refused', { message: control.error })}</p>}
        </div>
      </section>
      <CamerasPanel live={live} state={state} incidentId={view.id} units={units} />
      <IcsBoard live={live} state={state} incident={view} units={unitStore} />
      <div className="lower-grid">
        {city && config && <SceneMap city={city} config={config} incident={view} units={unitStore} unitsVersion={unitStore.version} />}
        <div className="stack">
          {city && <ResourceRequest key={view.id} live={live} state={state} city={city} incident={view} />}
          <DecisionLog key={view.id} live={live} state={state} incidentId={view.id} />
        </div>
        <Timeline api={api} events={events} partial={partial} city={city} stale={stale} />
      </div>
    </div>
  );
}
