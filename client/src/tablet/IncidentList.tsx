/** The agency's open incidents, most urgent first, to pick the one to command. */
import { common, currentLocale } from '../lib/i18n';
import { localTime } from '../lib/format';
import { PRIORITY_COLOURS, type City } from '../map/base';
import type { IncidentView } from '../lib/stores';
import { t } from './messages';

interface Props {
  incidents: IncidentView[];
  selectedId: string | null;
  city: City | null;
  stale: boolean;
  onSelect(id: string): void;
}

function byUrgency(a: IncidentView, b: IncidentView): number {
  return a.priority - b.priority || a.createdAt.localeCompare(b.createdAt);
}

/** Incident picker (`incident-list`, items `incident-item-<id>`). */
export function IncidentList({ incidents, selectedId, city, stale, onSelect }: Props) {
  const zh = currentLocale() === 'zh-CN';
  const typeName = (id: string) => {
    const type = city?.incidentTypes.find((x) => x.id === id);
    return type ? (zh ? type.nameZh : type.name) : id;
  };
  return (
    <nav className="incident-list-panel" aria-labelledby="list-heading">
      <h2 id="list-heading">{t('list.heading')}</h2>
      <ul className={`incident-list${stale ? ' stale' : ''}`} data-testid="incident-list">
        {incidents.length === 0 && <li className="muted small">{t('list.empty')}</li>}
        {[...incidents].sort(byUrgency).map((i) => {
          const openAlerts = i.alerts.filter((a) => a.acknowledgedAt === null).length;
          return (
            <li key={i.id}>
              <button
                type="button"
                className={`incident-item${i.id === selectedId ? ' selected' : ''}`}
                data-testid={`incident-item-${i.id}`}
                aria-current={i.id === selectedId ? 'true' : undefined}
                onClick={() => onSelect(i.id)}
              >
                <span className="incident-item-head">
                  <span className="priority-badge" style={{ background: PRIORITY_COLOURS[i.priority] }}>P{i.priority}</span>
                  <time className="incident-time small muted" dateTime={i.createdAt}>{localTime(i.createdAt)}</time>
                </span>
                <strong className="incident-title">{typeName(i.incidentType)}</strong>
                <span className="small address">{i.address ?? i.id}</span>
                <span className="small muted">
                  {common(`incident.${i.state}` as Parameters<typeof common>[0])} · {t('list.units', { n: Object.keys(i.units).length })}
                  {openAlerts > 0 && <span className="alert-count"> · {t('list.alerts', { n: openAlerts })}</span>}
                </span>
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
