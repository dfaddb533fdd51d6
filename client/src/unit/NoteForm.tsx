/** A note from the crew to the incident (`incident.note`), kept in the box until acknowledged. */
import { useState, type FormEvent } from 'react';
import type { LiveClient, LiveState } from '../lib/live';
import { localTime } from '../lib/format';
import { useCommand } from '../lib/useCommand';
import { t } from './messages';

/** Note textarea and submit button for one incident. */
export function NoteForm({ live, state, incidentId }: { live: LiveClient | null; state: LiveState; incidentId: string }) {
  const [text, setText] = useState('');
  const [sentAt, setSentAt] = useState<string | null>(null);
  const commands = useCommand(live);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const note = text.trim();
    if (!note) return;
    setSentAt(null);
    if (await commands.run('note', { type: 'incident.note', incidentId, text: note })) {
      setText((current) => (current.trim() === note ? '' : current));
      setSentAt(new Date().toISOString());
    }
  };

  return (
    <form className="note-form" onSubmit={submit}>
      <label htmlFor="note-input" className="small">{t('note.heading')}</label>
      <textarea
        id="note-input"
        data-testid="note-input"
        className="input"
        rows={2}
        maxLength={4000}
        value={text}
        placeholder={t('note.placeholder')}
        onChange={(e) => setText(e.target.value)}
      />
      <button type="submit" data-testid="note-submit" className="btn" disabled={!text.trim() || commands.pending !== null}>
        {commands.pending ? t('action.sending') : t('note.submit')}
      </button>
      {commands.pending && state !== 'live' && <p className="hint warn" role="status">{t('action.queued')}</p>}
      {commands.error && <p className="hint error" role="alert">{t('action.refused', { message: commands.error })}</p>}
      {sentAt && !commands.pending && <p className="hint ok" role="status">{t('note.sent', { time: localTime(sentAt) })}</p>}
    </form>
  );
}
