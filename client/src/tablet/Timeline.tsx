/**
 * The incident's timeline: every event in order, in words, with local time and who did it.
 * Decisions stand out. `data-type` is `decision` or `note` for notes, else the event type.
 */
import { useEffect, useRef } from 'react';
import type { FeedEvent } from '../../../server/protocol';
import { common, currentLocale } from '../lib/i18n';
import { localTime } from '../lib/format';
import type { City } from '../map/base';
import { divisionLabel } from './divisions';
import { capabilityLabel } from './ResourceRequest';
import { t } from './messages';
import type { ApiClient } from '../lib/api';
import { RecordingPlayer, describeRecordingEvent } from '../lib/RecordingPlayer';

type Payload = Record<string, unknown>;
const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));

/** The `data-type` of a timeline item. */
export function timelineType(e: FeedEvent): string {
  if (e.type !== 'incident.note.added') return e.type;
  return e.payload.kind === 'decision' ? 'decision' : 'note';
}

function typeName(city: City | null, id: string): string {
  const type = city?.incidentTypes.find((x) => x.id === id);
  if (!type) return id;
  return currentLocale() === 'zh-CN' ? type.nameZh : type.name;
}

/** One event in words. */
export function describeEvent(e: FeedEvent, city: City | null): string {
  const p: Payload = e.payload;
  const recording = describeRecordingEvent(e);
  if (recording) return recording;
  const unit = str(p.unitId);
  switch (e.type) {
    case 'incident.note.added':
      return str(p.text);
    case 'incident.created':
      return t('ev.incident.created', { type: typeName(city, str(p.incidentType)), priority: str(p.priority) });
    case 'incident.units.dispatched':
      return t('ev.incident.units.dispatched', { units: (p.unitIds as string[] | undefined)?.join(', ') ?? '' });
    case 'incident.unit.status.changed':
      return t('ev.incident.unit.status.changed', { unit, status: common(`unit.${str(p.status)}` as Parameters<typeof common>[0]) });
    case 'incident.unit.division.assigned':
      return p.division === null ? t('ev.division.removed', { unit }) : t('ev.division.assigned', { unit, division: divisionLabel(str(p.division)) });
    case 'incident.resources.requested': {
      const requests = (p.requests as { capability: string; count: number }[] | undefined) ?? [];
      const note = str(p.note);
      return t('ev.incident.resources.requested', { requests: requests.map((r) => `${r.count} × ${capabilityLabel(r.capability)}`).join(', '), note: note ? ` — ${note}` : '' });
    }
    case 'incident.unit.acknowledged': case 'incident.alert.ack_overdue': case 'incident.alert.pending_overdue':
    case 'incident.unit.released': case 'incident.under_control': case 'incident.held': case 'incident.resumed':
    case 'incident.priority.changed': case 'incident.updated': case 'incident.alert.acknowledged': case 'incident.closed':
    case 'incident.cancelled': case 'incident.reopened': case 'incident.triaged': case 'incident.pending':
      return t(`ev.${e.type}` as Parameters<typeof t>[0], {
        unit, reason: str(p.reason), priority: str(p.priority), alert: str(p.alertId), by: str(p.by), disposition: str(p.disposition),
      });
    case 'incident.merged':
      return t('ev.incident.merged', { into: str(p.intoIncidentId) });
    default:
      return t('ev.other', { type: e.type });
  }
}

/** The timeline list; keeps the newest event in view as events arrive. */
export function Timeline({ api, events, partial, city, stale }: { api: ApiClient; events: FeedEvent[]; partial: boolean; city: City | null; stale: boolean }) {
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [events.length]);

  return (
    <section className="panel timeline-panel" aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">{t('timeline.heading')}</h2>
      {partial && <p className="hint warn">{t('timeline.partial')}</p>}
      <ol ref={list} className={`timeline${stale ? ' stale' : ''}`} data-testid="timeline" aria-live="polite">
        {events.length === 0 && <li className="muted">{t('timeline.empty')}</li>}
        {events.map((e) => {
          const type = timelineType(e);
          return (
            <li key={e.id} className={`timeline-item tl-${type.replaceAll('.', '-')}`} data-testid="timeline-item" data-type={type} data-event-type={e.type}>
              <time dateTime={e.at}>{localTime(e.at)}</time>
              <div>
                {type === 'decision' && <span className="tl-badge">{t('timeline.decision')}</span>}
                <span className="tl-text">{describeEvent(e, city)}</span>
                <span className="tl-actor muted small"> · {e.actor.username}</span>
                <RecordingPlayer api={api} incidentId={e.streamId} event={e} />
              </div>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
