/** Units assigned to the incident: assignment status, ICS division, dispatch and acknowledgement times. */
import { localTime } from '../../lib/format';
import type { IncidentView } from '../../lib/stores';
import { STATUS_COLOURS } from '../../map/base';
import { statusLabel, t } from '../messages';
import { useConsole } from '../session';

/** The assigned units (`assigned-unit-<id>` with `data-status` and `data-division`). */
export function AssignedUnits({ incident }: { incident: IncidentView }) {
  const c = useConsole();
  const entries = Object.entries(incident.units);
  return (
    <section className="detail-section">
      <h3>{t('detail.units')}</h3>
      {entries.length === 0 && <p className="muted">{t('detail.no_units')}</p>}
      <ul className="assigned">
        {entries.map(([unitId, a]) => {
          const unit = c.units.items.get(unitId);
          const division = incident.divisions[unitId] ?? '';
          return (
            <li key={unitId} data-testid={`assigned-unit-${unitId}`} data-status={a.status} data-division={division}>
              <span className="status-chip" style={{ ['--c' as string]: STATUS_COLOURS[a.status] ?? '#8b949e' }}>{statusLabel(a.status)}</span>
              <button type="button" className="link" onClick={() => c.selection.update((s) => ({ ...s, unitId }))}>
                {unit?.callsign ?? c.city.unitSeeds.get(unitId)?.callsign ?? unitId}
              </button>
              <span className="muted">{unitId}</span>
              {unit?.emergency && <span className="emergency-tag">{t('alert.sos')}</span>}
              <span className="as-division" title={t('detail.division')}>{division}</span>
              <span className="muted as-times">{localTime(a.dispatchedAt)}{a.acknowledgedAt ? ` / ${localTime(a.acknowledgedAt)}` : ''}</span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
