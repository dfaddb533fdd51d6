/**
 * The incident's narrative: every event of its feed in order, with local time, who acted,
 * the event in words and its text (note, reason, disposition, units).
 */
import { useEffect, useRef } from 'react';
import type { FeedEvent } from '../../../../server/protocol';
import { localTime } from '../../lib/format';
import { useLocale } from '../../lib/i18n';
import { RecordingPlayer, describeRecordingEvent } from '../../lib/RecordingPlayer';
import { capabilityLabel, eventLabel, statusLabel, t } from '../messages';
import { outcomeLabel, tc } from '../calls/messages';
import { useConsole } from '../session';

/** The narrative (`timeline`), one `timeline-item` per event, in feed order. */
export function Timeline({ events }: { events: FeedEvent[] }) {
  useLocale();
  const { api } = useConsole();
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [events.length]);
  return (
    <section className="detail-section timeline-section">
      <h3>{t('detail.timeline')}</h3>
      <ol className="timeline" data-testid="timeline" ref={list}>
        {events.map((e) => (
          <li key={e.id} className={`timeline-item ev-${e.type.replaceAll('.', '-')}`} data-testid="timeline-item" data-type={e.type}>
            <time dateTime={e.at}>{localTime(e.at)}</time>
            <span className="tl-actor">{e.actor.username}</span>
            <span className="tl-type">{eventLabel(e.type)}{e.payload.kind === 'decision' ? ` · ${t('ev.decision')}` : ''}</span>
            {eventText(e) && <span className="tl-text">{eventText(e)}</span>}
            <RecordingPlayer api={api} incidentId={e.streamId} event={e} />
          </li>
        ))}
      </ol>
    </section>
  );
}

const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** An update that moved the incident to a caller's confirmed location, in words. */
function movedByCall(p: Record<string, unknown>): string {
  const at = p.location as { lat?: number; lon?: number } | undefined;
  if (!p.callId || typeof at?.lat !== 'number' || typeof at.lon !== 'number') return '';
  return tc('timeline.moved_by_call', { lat: at.lat.toFixed(5), lon: at.lon.toFixed(5), id: str(p.callId) });
}

/** The words that go with an event (what was said, who was sent, why). */
export function eventText(e: FeedEvent): string {
  const p = e.payload;
  const recording = describeRecordingEvent(e);
  if (recording) return recording;
  switch (e.type) {
    case 'incident.created':
      return str(p.description);
    case 'incident.note.added':
      return str(p.text);
    case 'incident.units.dispatched':
      return Array.isArray(p.unitIds) ? p.unitIds.join(', ') : '';
    case 'incident.unit.status.changed':
      return `${str(p.unitId)} → ${statusLabel(str(p.status))}`;
    case 'incident.priority.changed':
      return `P${str(p.priority)} · ${str(p.reason)}`;
    case 'incident.closed':
      return str(p.disposition);
    case 'incident.alert.acknowledged':
      return str(p.alertId);
    case 'incident.unit.division.assigned':
      return `${str(p.unitId)} → ${str(p.division) || '—'}`;
    case 'incident.unit.released':
      return `${str(p.unitId)} · ${str(p.reason)}`;
    case 'incident.resources.requested': {
      const reqs = Array.isArray(p.requests) ? (p.requests as { capability: string; count: number }[]) : [];
      return [reqs.map((r) => `${capabilityLabel(r.capability)} × ${r.count}`).join(', '), str(p.note)].filter(Boolean).join(' · ');
    }
    case 'incident.updated':
      return [str(p.address), str(p.description), movedByCall(p)].filter(Boolean).join(' · ');
    case 'incident.call.linked':
      return `${str(p.callerNumber)} · ${tc('calls.line', { line: str(p.line) })} · ${str(p.callId)}`;
    case 'incident.call.ended':
      return `${str(p.callId)} · ${outcomeLabel(str(p.outcome))}`;
    default:
      return [str(p.unitId), str(p.reason)].filter(Boolean).join(' · ');
  }
}
