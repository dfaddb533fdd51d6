/**
 * Actions on the open incident that need words from the dispatcher: close (disposition),
 * note, priority change (with reason). Each opens a small inline prompt; Enter sends it,
 * Escape puts it away; the server's answer is shown beneath.
 */
import { useState, type FormEvent, type KeyboardEvent } from 'react';
import type { CommandInput } from '../../lib/live';
import type { IncidentView } from '../../lib/stores';
import { t } from '../messages';
import { OutcomeLine } from '../Outcome';
import { sendCommand, useConsole, type CommandOutcome } from '../session';

type Prompt = 'close' | 'note' | 'priority' | null;

/** Note, priority and close buttons with their prompts. */
export function DetailActions({ incident }: { incident: IncidentView }) {
  const c = useConsole();
  const [prompt, setPrompt] = useState<Prompt>(null);
  const [text, setText] = useState('');
  const [priority, setPriority] = useState(incident.priority);
  const [outcome, setOutcome] = useState<CommandOutcome | null>(null);

  const openPrompt = (p: Prompt) => {
    setPrompt(p);
    setText('');
    setPriority(incident.priority);
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = text.trim();
    if (!prompt || !body) return;
    const id = incident.id;
    const input: CommandInput = prompt === 'close' ? { type: 'incident.close', incidentId: id, disposition: body }
      : prompt === 'note' ? { type: 'incident.note', incidentId: id, text: body }
      : { type: 'incident.priority', incidentId: id, priority, reason: body };
    const label = prompt === 'close' ? t('action.close') : prompt === 'note' ? t('action.note') : `P${priority}`;
    setPrompt(null);
    void sendCommand(c.live, input, setOutcome, `${label.replace('…', '')} ${id}`);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      setPrompt(null);
    }
  };

  const label = prompt === 'close' ? t('prompt.disposition') : prompt === 'note' ? t('prompt.note') : t('prompt.reason');
  return (
    <section className="detail-section actions">
      <div className="action-bar">
        <button type="button" data-testid="action-note" onClick={() => openPrompt('note')}>{t('action.note')}</button>
        <button type="button" data-testid="action-priority" onClick={() => openPrompt('priority')}>{t('action.priority')}</button>
        <button type="button" data-testid="action-close" className="danger" onClick={() => openPrompt('close')}>{t('action.close')}</button>
      </div>
      {prompt && (
        <form className="prompt" onSubmit={submit} onKeyDown={onKeyDown} data-testid={`prompt-${prompt}`}>
          {prompt === 'priority' && (
            <label>
              {t('prompt.priority')}
              <select value={priority} onChange={(e) => setPriority(Number(e.target.value) as IncidentView['priority'])}>
                {[1, 2, 3, 4].map((p) => <option key={p} value={p}>P{p}</option>)}
              </select>
            </label>
          )}
          <label className="grow">
            {label}
            <input autoFocus value={text} onChange={(e) => setText(e.target.value)} maxLength={4000} required />
          </label>
          <button type="submit" className="primary">{t('action.submit')}</button>
          <button type="button" className="ghost" onClick={() => setPrompt(null)}>{t('action.cancel')}</button>
        </form>
      )}
      <OutcomeLine outcome={outcome} testId="detail-result" />
    </section>
  );
}
