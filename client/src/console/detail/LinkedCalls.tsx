/**
 * The incident's phone calls (`linked-calls`): every call created from or joined to it, as the
 * incident remembers them (`incident.call.linked` / `incident.call.ended`), with the caller,
 * the line, when it was linked and how it ended, or that it is still on the line.
 */
import { localTime } from '../../lib/format';
import type { IncidentView } from '../../lib/stores';
import { tc, outcomeLabel } from '../calls/messages';
import { callerLabel, lineLabel } from '../calls/model';
import { t } from '../messages';
import { useConsole } from '../session';

/** The linked calls section of the incident detail. */
export function LinkedCalls({ incident }: { incident: IncidentView }) {
  const c = useConsole();
  // Incidents stored before calls existed have no list.
  const calls = incident.calls ?? [];
  return (
    <section className="detail-section linked-calls" data-testid="linked-calls" data-count={String(calls.length)}>
      <h3>{t('detail.calls')}</h3>
      {calls.length === 0 && <p className="muted">{t('detail.calls_empty')}</p>}
      <ul className="linked-call-list">
        {calls.map((call) => (
          <li key={call.callId} className="linked-call" data-testid="linked-call" data-call-id={call.callId} data-ended={call.endedAt ? 'true' : 'false'}>
            <span className="call-number">{callerLabel({ callerNumber: call.callerNumber, callerName: null })}</span>
            <span className="call-line">{lineLabel(c.city, call.line)}</span>
            <time className="muted" dateTime={call.linkedAt}>{localTime(call.linkedAt)}</time>
            {call.endedAt
              ? <span className="muted">{tc('linked.ended', { time: localTime(call.endedAt) })} · {outcomeLabel(call.outcome)}</span>
              : <span className="live-tag">● {tc('linked.live')}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}
