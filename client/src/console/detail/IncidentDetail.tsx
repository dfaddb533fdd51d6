/**
 * The incident the dispatcher has open: facts, alerts, assigned units, the recommendation
 * with one-key dispatch (D while this panel has the focus and no field is being typed in),
 * actions, linked calls and the narrative. Escape goes back to the queue.
 */
import { useEffect, useRef, type KeyboardEvent } from 'react';
import { elapsed, localDateTime } from '../../lib/format';
import { useLocale } from '../../lib/i18n';
import { OPEN_INCIDENT_STATES, useStore, type IncidentView } from '../../lib/stores';
import { PRIORITY_COLOURS } from '../../map/base';
import { AlertItem } from '../AlertsPanel';
import { stateLabel, t } from '../messages';
import { Panel } from '../Panel';
import { useConsole } from '../session';
import { isTyping, useNow, useObservable } from '../state';
import { responseTarget } from '../targets';
import { AssignedUnits } from './AssignedUnits';
import { DetailActions } from './DetailActions';
import { LinkedCalls } from './LinkedCalls';
import { MediaAccessPanel } from './MediaAccessPanel';
import { SharedIncidentNotice } from '../video/SharedVideo';
import { RecommendationPanel, useRecommendation } from './Recommendation';
import { Timeline } from './Timeline';
import { useIncidentFeed } from './useIncidentFeed';

/** The incident detail panel (`incident-detail`), following the selected incident. */
export function IncidentDetail() {
  const c = useConsole();
  useLocale();
  const { incidentId } = useObservable(c.selection);
  const feed = useIncidentFeed(c.live, incidentId);
  const incidents = useStore(c.incidents);
  const view = feed.view ?? (incidentId ? incidents.items.get(incidentId) ?? null : null);
  const open = !!view && OPEN_INCIDENT_STATES.includes(view.state);
  const rec = useRecommendation(open ? view : null);
  const panel = useRef<HTMLElement | null>(null);

  useEffect(() => {
    c.focus.detail = panel.current;
  }, [c]);

  const onKeyDown = (e: KeyboardEvent<HTMLElement>) => {
    if (isTyping(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'd' || e.key === 'D') {
      e.preventDefault();
      if (rec.canDispatch) rec.dispatch();
    } else if (e.key === 'Escape') {
      c.focus.queue?.focus();
    }
  };

  return (
    <Panel
      title={t('panel.detail')} testId="incident-detail" className="detail-panel"
      panelRef={(el) => void (panel.current = el)} tabIndex={0} onKeyDown={onKeyDown}
      extra={{ 'data-incident-id': incidentId ?? '', 'data-state': view?.state }}
    >
      {!incidentId && <p className="muted placeholder">{t('detail.none')}</p>}
      {incidentId && !view && <SharedIncidentNotice incidentId={incidentId} otherwise={<p className="muted">{t('detail.loading')}</p>} />}
      {view && (
        <>
          <Facts incident={view} />
          {!open && <p className="notice">{t('detail.closed')}</p>}
          <DetailAlerts incident={view} />
          <AssignedUnits incident={view} />
          {open && <RecommendationPanel state={rec} />}
          {open && <DetailActions key={view.id} incident={view} />}
          <MediaAccessPanel key={`access-${view.id}`} incident={view} />
          <LinkedCalls incident={view} />
          <Timeline events={feed.events} />
        </>
      )}
    </Panel>
  );
}

function Facts({ incident }: { incident: IncidentView }) {
  const c = useConsole();
  const now = useNow();
  const target = responseTarget(incident, c.city, now);
  return (
    <section className="detail-section facts">
      <div className="facts-head">
        <span className="prio-badge big" style={{ ['--c' as string]: PRIORITY_COLOURS[incident.priority] }}>P{incident.priority}</span>
        <div>
          <div className="facts-type">{c.city.incidentTypeName(incident.incidentType)}</div>
          <div className="muted">{incident.id}</div>
        </div>
        <span className={`state-tag state-${incident.state}`}>{stateLabel(incident.state)}</span>
      </div>
      <dl className="facts-grid">
        <dt>{t('detail.address')}</dt><dd>{incident.address ?? '—'}</dd>
        <dt>{t('detail.location')}</dt><dd>{incident.location.lat.toFixed(5)}, {incident.location.lon.toFixed(5)}</dd>
        <dt>{t('detail.agency')}</dt><dd>{c.city.agencyName(incident.agencyId)}</dd>
        <dt>{t('detail.created')}</dt><dd>{localDateTime(incident.createdAt)}</dd>
        <dt>{t('detail.age')}</dt>
        <dd className={`level-${target.level}`}>
          {elapsed(target.elapsedMs)}
          {target.targetMs !== null && <span className="muted"> / {t('queue.target', { t: elapsed(target.targetMs) })}</span>}
        </dd>
        <dt>{t('detail.description')}</dt><dd className="description">{incident.description}</dd>
      </dl>
    </section>
  );
}

function DetailAlerts({ incident }: { incident: IncidentView }) {
  const open = incident.alerts.filter((a) => a.acknowledgedAt === null);
  if (open.length === 0) return null;
  return (
    <section className="detail-section detail-alerts">
      <h3>{t('detail.alerts')}</h3>
      <ul className="alerts">
        {open.map((alert) => <AlertItem key={alert.id} item={{ incident, alert }} compact />)}
      </ul>
    </section>
  );
}
