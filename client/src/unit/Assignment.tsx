/**
 * The unit's current assignment: what, where, how far, how to get there, who else is going,
 * and a note box to tell dispatch what the crew found.
 */
import { useEffect, useState } from 'react';
import { common, currentLocale } from '../lib/i18n';
import { localTime } from '../lib/format';
import { PRIORITY_COLOURS, STATUS_COLOURS } from './colours';
import { followIncident, type IncidentView } from '../lib/stores';
import type { LiveClient, LiveState } from '../lib/live';
import { distanceKm, geoUri, osmDirectionsUrl } from './geo';
import { NoteForm } from './NoteForm';
import { t } from './messages';

/** Display names of incident types, from the city data. */
export type TypeNames = Record<string, { name: string; nameZh: string }>;

/** The view of incident `incidentId`, kept live by its feed (null while loading). */
export function useIncident(live: LiveClient | null, incidentId: string | null): IncidentView | null {
  const [incident, setIncident] = useState<IncidentView | null>(null);
  useEffect(() => {
    setIncident(null);
    if (!live || !incidentId) return;
    return followIncident(live, incidentId, setIncident, () => undefined);
  }, [live, incidentId]);
  return incident && incident.id === incidentId ? incident : null;
}

interface Props {
  live: LiveClient | null;
  state: LiveState;
  unitId: string;
  incidentId: string | null;
  /** Best known position of the unit (phone GPS first, else the server's). */
  position: { lat: number; lon: number } | null;
  typeNames: TypeNames;
}

/** The assignment card (`data-incident-id`), or "no current assignment". */
export function Assignment({ live, state, unitId, incidentId, position, typeNames }: Props) {
  const incident = useIncident(live, incidentId);
  if (!incidentId) {
    return <section className="panel assignment-empty"><h2>{t('assignment.heading')}</h2><p className="muted">{t('assignment.none')}</p></section>;
  }
  if (!incident) {
    return (
      <section className="panel" data-testid="assignment" data-incident-id={incidentId} aria-busy="true">
        <h2>{t('assignment.heading')}</h2>
        <p className="muted">{t('assignment.loading', { id: incidentId })}</p>
      </section>
    );
  }
  const type = typeNames[incident.incidentType];
  const typeName = type ? (currentLocale() === 'zh-CN' ? type.nameZh : type.name) : incident.incidentType;
  const km = position ? distanceKm(position, incident.location) : null;
  const others = Object.entries(incident.units).filter(([id]) => id !== unitId);
  const mine = incident.units[unitId];

  return (
    <section className={`panel assignment${state !== 'live' ? ' stale' : ''}`} data-testid="assignment" data-incident-id={incident.id}>
      <div className="assignment-head">
        <span className="priority-badge" style={{ background: PRIORITY_COLOURS[incident.priority] }}>
          {common(`priority.${incident.priority}` as Parameters<typeof common>[0])}
        </span>
        <h2 className="assignment-type">{typeName}</h2>
      </div>
      <p className="assignment-address">
        {incident.address ?? `${t('assignment.no_address')} (${incident.location.lat.toFixed(5)}, ${incident.location.lon.toFixed(5)})`}
      </p>
      <p className="assignment-desc">{incident.description}</p>
      <p className="muted small">
        {incident.id} · {t('assignment.state', { state: common(`incident.${incident.state}` as Parameters<typeof common>[0]) })}
        {mine && <> · {t('assignment.dispatched_at', { time: localTime(mine.dispatchedAt) })}</>}
      </p>
      <p className="assignment-distance">
        {km === null ? t('assignment.distance_unknown') : t('assignment.distance', { km: km < 10 ? km.toFixed(1) : Math.round(km) })}
      </p>
      <div className="nav-links">
        <a className="btn btn-primary" data-testid="nav-link" href={osmDirectionsUrl(incident.location)} target="_blank" rel="noopener noreferrer">
          {t('assignment.navigate')}
        </a>
        <a className="btn btn-secondary" href={geoUri(incident.location)}>{t('assignment.maps_app')}</a>
      </div>
      {others.length > 0 && (
        <div className="other-units">
          <span className="muted small">{t('assignment.other_units')}</span>
          <ul>
            {others.map(([id, a]) => (
              <li key={id} style={{ borderColor: STATUS_COLOURS[a.status] ?? '#8b949e' }}>
                {id} · {common(`unit.${a.status}` as Parameters<typeof common>[0])}
              </li>
            ))}
          </ul>
        </div>
      )}
      <NoteForm live={live} state={state} incidentId={incident.id} />
    </section>
  );
}
