/**
 * Callers who hung up before anyone answered (`abandoned-calls`): kept until someone calls
 * them back and reaches them, or says why no callback is needed. Emergency lines first.
 */
import { useState, type FormEvent } from 'react';
import { localTime } from '../../lib/format';
import { useCommand } from '../../lib/useCommand';
import type { CallView } from '../../lib/stores';
import { useConsole } from '../session';
import { tc } from './messages';
import { callerLabel, lineLabel } from './model';

/** The abandoned calls of the agency, with Call back and Resolve. */
export function AbandonedCalls({ calls }: { calls: CallView[] }) {
  if (calls.length === 0) return null;
  return (
    <section className="calls-section" aria-label={tc('calls.abandoned')}>
      <h3>{tc('calls.abandoned')} <span className="count-badge">{calls.length}</span></h3>
      <ul className="abandoned-calls" data-testid="abandoned-calls">
        {calls.map((call) => <AbandonedCall key={call.id} call={call} />)}
      </ul>
    </section>
  );
}

function AbandonedCall({ call }: { call: CallView }) {
  const c = useConsole();
  const cmd = useCommand(c.live);
  const [resolving, setResolving] = useState(false);
  const [reason, setReason] = useState('');
  const resolve = (e: FormEvent) => {
    e.preventDefault();
    const why = reason.trim() || tc('calls.resolve_default');
    void cmd.run('resolve', { type: 'call.callback.resolve', callId: call.id, reason: why }).then((ok) => ok && setResolving(false));
  };
  return (
    <li className="abandoned-call" data-testid="abandoned-call" data-call-id={call.id} data-line={call.line}>
      <span className="call-row-main">
        <span className="call-number">{callerLabel(call)}</span>
        <span className="muted call-row-sub">
          {lineLabel(c.city, call.line)} · {tc('calls.abandoned_at', { time: localTime(call.endedAt) })}
          {call.callbacks.length > 0 && ` · ${tc('calls.callbacks', { n: call.callbacks.length })}`}
        </span>
      </span>
      <span className="call-buttons">
        <button type="button" className="small primary" data-testid="call-callback" disabled={!!cmd.pending}
          onClick={() => void cmd.run('callback', { type: 'call.callback', callId: call.id })}>{tc('calls.callback')}</button>
        <button type="button" className={`small${resolving ? ' active' : ''}`} data-testid="call-resolve" aria-expanded={resolving}
          onClick={() => setResolving(!resolving)}>{tc('calls.resolve')}</button>
      </span>
      {resolving && (
        <form className="call-resolve" onSubmit={resolve}>
          <input autoFocus data-testid="call-resolve-reason" value={reason} onChange={(e) => setReason(e.target.value)}
            placeholder={tc('calls.resolve_default')} aria-label={tc('calls.resolve_reason')} maxLength={200} />
          <button type="submit" className="small" data-testid="call-resolve-submit" disabled={!!cmd.pending}>{tc('calls.resolve')}</button>
        </form>
      )}
      {cmd.error && <p className="error" role="alert">{cmd.error}</p>}
    </li>
  );
}
