/** "Log decision": a command decision goes on the record as an `incident.note` of kind `decision`. */
import { useState, type FormEvent } from 'react';
import { localTime } from '../lib/format';
import type { LiveClient, LiveState } from '../lib/live';
import { useCommand } from '../lib/useCommand';
import { t } from './messages';

/** Decision text box and button for one incident. */
export function DecisionLog({ live, state, incidentId }: { live: LiveClient | null; state: LiveState; incidentId: string }) {
  const [text, setText] = useState('');
  const [loggedAt, setLoggedAt] = useState<string | null>(null);
  const commands = useCommand(live);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const decision = text.trim();
    if (!decision) return;
    setLoggedAt(null);
    if (await commands.run('decision', { type: 'incident.note', incidentId, text: decision, kind: 'decision' })) {
      setText((current) => (current.trim() === decision ? '' : current));
      setLoggedAt(new Date().toISOString());
    }
  };

  return (
    <section className="panel" aria-labelledby="decision-heading">
      <h2 id="decision-heading">{t('decision.heading')}</h2>
      <form className="stack" onSubmit={submit}>
        <textarea
          className="input" data-testid="decision-input" rows={2} maxLength={4000} value={text}
          placeholder={t('decision.placeholder')} aria-label={t('decision.heading')} onChange={(e) => setText(e.target.value)}
        />
        <button type="submit" className="btn btn-primary" data-testid="decision-submit" disabled={!text.trim() || commands.pending !== null}>
          {commands.pending ? t('sending') : t('decision.submit')}
        </button>
        {commands.pending && state !== 'live' && <p className="hint warn" role="status">{t('queued')}</p>}
        {commands.error && <p className="hint error" role="alert">{t('refused', { message: commands.error })}</p>}
        {loggedAt && !commands.pending && <p className="hint ok" role="status">{t('decision.logged', { time: localTime(loggedAt) })}</p>}
      </form>
    </section>
  );
}
