/**
 * This seat's recently ended calls with their leg recordings (`recent-calls`): the caller's
 * leg, this seat's own, and any other agent or party on the call, each played through a
 * logged, signed playback (`RecordingPlay`). The server lists the agency's recently ended calls
 * (`GET /api/v1/calls/recent`); the list is asked for again when a call leaves this seat's
 * hands, and while a leg is still being written (its file is stored a moment after hang-up).
 */
import { useEffect, useState } from 'react';
import { localTime } from '../../lib/format';
import { RecordingPlay, duration } from '../../lib/RecordingPlayer';
import type { MediaRecording } from '../../../../state-machines/recordings';
import type { RecordedCall } from '../../../../server/recordings/playback';
import { useConsole } from '../session';
import { tc } from './messages';
import { callerLabel, lineLabel } from './model';

/** Calls shown; the server lists more of the agency's. */
const SHOWN = 5;
/** While a leg is being written: ask again this often, this many times at most. */
const POLL_MS = 1500;
const POLLS = 40;

/** `inHand`: ids of the calls in this seat's hands now (one leaving them may just have ended). */
export function RecentCalls({ inHand }: { inHand: string }) {
  const c = useConsole();
  const me = c.actor.username;
  const [calls, setCalls] = useState<RecordedCall[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [polls, setPolls] = useState(0);

  useEffect(() => {
    let gone = false;
    const agencyId = c.callAgencyId ?? '';
    c.api.get<{ calls: RecordedCall[] }>(`/api/v1/calls/recent?agencyId=${encodeURIComponent(agencyId)}`).then((r) => {
      if (gone) return;
      setError(null);
      setCalls(r.calls.filter((call) => call.agentUsername === me || call.recordings.some((l) => l.source === `agent:${me}`)).slice(0, SHOWN));
    }, (err: Error) => !gone && setError(err.message));
    return () => { gone = true; };
  }, [c, me, inHand, polls]);

  const writing = calls.some((call) => call.recordings.some((l) => l.state === 'recording'));
  useEffect(() => {
    if (!writing || polls >= POLLS) return;
    const timer = setTimeout(() => setPolls((n) => n + 1), POLL_MS);
    return () => clearTimeout(timer);
  }, [writing, polls, calls]);
  useEffect(() => setPolls(0), [inHand]);

  return (
    <section className="calls-section recent-calls" aria-label={tc('recent.title')} data-testid="recent-calls">
      <h3>{tc('recent.title')} <span className="count-badge">{calls.length}</span></h3>
      {error && <p className="error">{tc('recent.error', { message: error })}</p>}
      {!error && calls.length === 0 && <p className="muted">{tc('recent.none')}</p>}
      {calls.map((call) => (
        <article key={call.callId} className="recent-call" data-testid="recent-call" data-call-id={call.callId}>
          <div className="recent-call-head">
            <span className="call-number">{callerLabel({ callerNumber: call.callerNumber, callerName: null })}</span>
            <span className="muted">{lineLabel(c.city, call.line)} · {tc('recent.ended', { time: localTime(call.endedAt) })}</span>
          </div>
          <div className="recent-legs">
            {call.recordings.length === 0 && <span className="muted">{tc('recent.no_legs')}</span>}
            {call.recordings.map((leg) => <Leg key={leg.id} callId={call.callId} leg={leg} me={me} />)}
          </div>
        </article>
      ))}
    </section>
  );
}

function Leg({ callId, leg, me }: { callId: string; leg: MediaRecording; me: string }) {
  const c = useConsole();
  const label = legLabel(leg.source, me);
  if (leg.state === 'recording') return <span className="muted" data-testid={`recording-${leg.id}`} data-state="recording">{label}: {tc('recent.recording')}</span>;
  if (leg.state === 'failed') return <span className="muted" data-testid={`recording-${leg.id}`} data-state="failed">{label}: {tc('recent.failed', { reason: leg.failure ?? '' })}</span>;
  return (
    <RecordingPlay api={c.api} callId={callId} label={`${label} · ${duration(leg.durationMs)}`}
      recording={{ id: leg.id, unitId: null, sha256: leg.sha256, durationMs: leg.durationMs, mimeType: leg.mimeType }} />
  );
}

/** Whose voice a leg is: `caller`, `agent:<username>` (this seat: You), `party:<number>`. */
export function legLabel(source: string, me: string): string {
  if (source === 'caller') return tc('recent.leg.caller');
  if (source === `agent:${me}`) return tc('recent.leg.you');
  if (source.startsWith('agent:')) return tc('recent.leg.agent', { name: source.slice('agent:'.length) });
  if (source.startsWith('party:')) return tc('recent.leg.party', { number: source.slice('party:'.length) });
  return source;
}
