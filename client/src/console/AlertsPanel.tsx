/**
 * What demands the dispatcher's attention now: unacknowledged alerts of open incidents
 * (acknowledgement overdue, dispatch overdue, resources requested) and units whose
 * emergency button is pressed. Incident alerts are acknowledged here or in the detail.
 */
import { useMemo, useState } from 'react';
import type { IncidentAlert } from '../../../state-machines/incident-model';
import { elapsed, localTime } from '../lib/format';
import { useLocale } from '../lib/i18n';
import { useStore, type IncidentView, type UnitWithPosition } from '../lib/stores';
import { capabilityLabel, t } from './messages';
import { OutcomeLine } from './Outcome';
import { Panel } from './Panel';
import { sendCommand, useConsole, type CommandOutcome } from './session';
import { sameRows, useNow, useStoreSelector } from './state';

/** An unacknowledged alert with its incident. */
export interface OpenAlert {
  incident: IncidentView;
  alert: IncidentAlert;
}

/** Unacknowledged incident alerts (oldest first) and units in emergency. */
export function useAttention(): { alerts: OpenAlert[]; emergencies: EmergencyUnit[] } {
  const c = useConsole();
  const incidents = useStore(c.incidents);
  const emergencies = useStoreSelector(c.units, unitsInEmergency, sameRows);
  const alerts = useMemo(() => incidents.values()
    .flatMap((incident) => incident.alerts.filter((a) => a.acknowledgedAt === null).map((alert) => ({ incident, alert })))
    .sort((a, b) => a.alert.raisedAt.localeCompare(b.alert.raisedAt)), [incidents, incidents.version]);
  return { alerts, emergencies };
}

/** A unit whose emergency button is pressed. */
type EmergencyUnit = Pick<UnitWithPosition, 'id' | 'callsign' | 'incidentId'>;

function unitsInEmergency(store: { items: Map<string, UnitWithPosition> }): EmergencyUnit[] {
  const out: EmergencyUnit[] = [];
  for (const u of store.items.values()) if (u.emergency) out.push({ id: u.id, callsign: u.callsign, incidentId: u.incidentId });
  return out;
}

/** The alerts panel (`alerts-panel`): emergencies first, then alerts, oldest first. */
export function AlertsPanel() {
  const c = useConsole();
  useLocale();
  const { alerts, emergencies } = useAttention();
  const count = alerts.length + emergencies.length;
  return (
    <Panel
      title={t('panel.alerts')} testId="alerts-panel" className={count > 0 ? 'alerts-panel attention' : 'alerts-panel'}
      panelRef={(el) => void (c.focus.alerts = el)} tabIndex={-1}
      actions={<span className={count > 0 ? 'count-badge hot' : 'count-badge'}>{count}</span>}
    >
      {count === 0 && <p className="muted">{t('alerts.empty')}</p>}
      <ul className="alerts">
        {emergencies.map((u) => <EmergencyItem key={u.id} unit={u} />)}
        {alerts.map((a) => <AlertItem key={`${a.incident.id}/${a.alert.id}`} item={a} />)}
      </ul>
    </Panel>
  );
}

/** The words of an incident alert. */
export function alertText(c: ReturnType<typeof useConsole>, { incident, alert }: OpenAlert): string {
  if (alert.kind === 'ack_overdue') {
    const unit = alert.unitId ? (c.units.items.get(alert.unitId)?.callsign ?? alert.unitId) : '—';
    return t('alert.ack_overdue', { unit });
  }
  if (alert.kind === 'resource_request') {
    const last = incident.resourceRequests.at(-1);
    const what = last ? last.requests.map((r) => `${capabilityLabel(r.capability)} × ${r.count}`).join(', ') : '';
    return [t('alert.resource_request'), what, last?.note].filter(Boolean).join(' · ');
  }
  return t('alert.pending_overdue');
}

/**
 * One incident alert with its Acknowledge button. In the incident detail (`compact`) its test
 * id is `detail-alert-<alertId>`, so `alert-<alertId>` stays unique to the alerts panel.
 */
export function AlertItem({ item, compact = false }: { item: OpenAlert; compact?: boolean }) {
  const c = useConsole();
  const now = useNow();
  const [outcome, setOutcome] = useState<CommandOutcome | null>(null);
  const { incident, alert } = item;
  const ack = () => void sendCommand(c.live, { type: 'incident.alert.ack', incidentId: incident.id, alertId: alert.id }, setOutcome, alert.id);
  const open = () => c.selection.update((s) => ({ ...s, incidentId: incident.id }));
  return (
    <li className={`alert-item kind-${alert.kind}`} data-testid={`${compact ? 'detail-' : ''}alert-${alert.id}`} data-incident-id={incident.id} data-kind={alert.kind}>
      <div className="alert-text">
        <strong>{alertText(c, item)}</strong>
        {!compact && (
          <button type="button" className="link" onClick={open}>
            P{incident.priority} {c.city.incidentTypeName(incident.incidentType)} · {incident.id}
          </button>
        )}
        <span className="muted">{localTime(alert.raisedAt)} · {elapsed(now - Date.parse(alert.raisedAt))}</span>
      </div>
      <button type="button" className="primary small" onClick={ack} disabled={outcome?.kind === 'pending'} data-testid="ack-button">
        {t('action.ack')}
      </button>
      {outcome && outcome.kind !== 'ack' && <OutcomeLine outcome={outcome} />}
    </li>
  );
}

function EmergencyItem({ unit }: { unit: EmergencyUnit }) {
  const c = useConsole();
  const locate = () => c.selection.update((s) => ({ ...s, unitId: unit.id, incidentId: unit.incidentId ?? s.incidentId }));
  return (
    <li className="alert-item kind-emergency" data-testid={`alert-emergency-${unit.id}`} data-unit-id={unit.id} data-kind="emergency">
      <div className="alert-text">
        <strong>{t('alert.emergency', { unit: `${unit.callsign} (${unit.id})` })}</strong>
        {unit.incidentId && <span className="muted">{t('alert.incident', { id: unit.incidentId })}</span>}
      </div>
      <button type="button" className="danger small" onClick={locate}>{t('action.locate')}</button>
    </li>
  );
}
