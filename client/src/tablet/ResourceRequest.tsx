/**
 * "Request resources": the commander asks dispatch for more units by capability
 * (`incident.resources.request`, which raises an alert at the console); earlier requests are
 * listed with whether dispatch has seen them yet.
 */
import { useMemo, useState, type FormEvent } from 'react';
import type { City } from '../map/base';
import { localTime } from '../lib/format';
import type { LiveClient, LiveState } from '../lib/live';
import type { IncidentView } from '../lib/stores';
import { useCommand } from '../lib/useCommand';
import { t } from './messages';

interface Props {
  live: LiveClient | null;
  state: LiveState;
  city: City;
  incident: IncidentView;
}

/** A capability in words (the id itself when it has no translation). */
export function capabilityLabel(id: string): string {
  const label = t(`cap.${id}` as Parameters<typeof t>[0]);
  return label.startsWith('cap.') ? id : label;
}

/** Capabilities offered, those of the incident's own agency kind first. */
function capabilityOptions(city: City, agencyId: string): string[] {
  const kind = city.agencies.find((a) => a.id === agencyId)?.kind;
  const own = city.unitTypes.filter((u) => u.agencyKind === kind).flatMap((u) => u.capabilities);
  const rest = city.unitTypes.flatMap((u) => u.capabilities).sort();
  return [...new Set([...own, ...rest])];
}

/** The request form and the list of earlier requests. */
export function ResourceRequest({ live, state, city, incident }: Props) {
  const options = useMemo(() => capabilityOptions(city, incident.agencyId), [city, incident.agencyId]);
  const [capability, setCapability] = useState(options[0] ?? '');
  const [count, setCount] = useState(1);
  const [note, setNote] = useState('');
  const [sentAt, setSentAt] = useState<string | null>(null);
  const commands = useCommand(live);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSentAt(null);
    const ok = await commands.run('request', {
      type: 'incident.resources.request', incidentId: incident.id, requests: [{ capability, count }], note: note.trim(),
    });
    if (ok) {
      setNote('');
      setCount(1);
      setSentAt(new Date().toISOString());
    }
  };

  return (
    <section className="panel" aria-labelledby="resources-heading">
      <h2 id="resources-heading">{t('resources.heading')}</h2>
      <form className="stack" data-testid="request-resources" onSubmit={submit}>
        <label className="field">
          <span className="small muted">{t('resources.capability')}</span>
          <select className="input" data-testid="resource-capability" value={capability} onChange={(e) => setCapability(e.target.value)}>
            {options.map((c) => <option key={c} value={c}>{capabilityLabel(c)}</option>)}
          </select>
        </label>
        <CountStepper count={count} onChange={setCount} />
        <label className="field">
          <span className="small muted">{t('resources.note')}</span>
          <input
            className="input" data-testid="resource-note" maxLength={4000} value={note}
            placeholder={t('resources.note_placeholder')} onChange={(e) => setNote(e.target.value)}
          />
        </label>
        <button type="submit" className="btn btn-primary" data-testid="resource-submit" disabled={!capability || commands.pending !== null}>
          {commands.pending ? t('sending') : t('resources.submit')}
        </button>
        {commands.pending && state !== 'live' && <p className="hint warn" role="status">{t('queued')}</p>}
        {commands.error && <p className="hint error" role="alert">{t('refused', { message: commands.error })}</p>}
        {sentAt && !commands.pending && <p className="hint ok" role="status">{t('resources.sent', { time: localTime(sentAt) })}</p>}
      </form>
      <RequestList incident={incident} />
    </section>
  );
}

/** Earlier requests, each with whether dispatch has acknowledged its alert yet. */
function RequestList({ incident }: { incident: IncidentView }) {
  if (incident.resourceRequests.length === 0) return null;
  // The n-th request raised the n-th resource_request alert.
  const alerts = incident.alerts.filter((a) => a.kind === 'resource_request');
  return (
    <ul className="requests" aria-label={t('resources.previous')}>
      {incident.resourceRequests.map((r, i) => {
        const seen = alerts[i]?.acknowledgedAt ?? null;
        return (
          <li key={r.id}>
            <strong>{r.requests.map((q) => `${q.count} × ${capabilityLabel(q.capability)}`).join(', ')}</strong>
            <span className="muted small"> · {localTime(r.requestedAt)}</span>
            {r.note && <div className="small">{r.note}</div>}
            <div className={`small ${seen ? 'ok' : 'warn'}`}>{seen ? t('resources.seen', { time: localTime(seen) }) : t('resources.unseen')}</div>
          </li>
        );
      })}
    </ul>
  );
}

/** Count 1–20 with big − / + buttons beside the number (typing works too). */
function CountStepper({ count, onChange }: { count: number; onChange(n: number): void }) {
  const clamp = (n: number) => Math.min(20, Math.max(1, Math.round(n) || 1));
  return (
    <div className="field">
      <label className="small muted" htmlFor="resource-count">{t('resources.count')}</label>
      <div className="stepper">
        <button type="button" className="btn" aria-label={t('resources.less')} onClick={() => onChange(clamp(count - 1))}>−</button>
        <input
          id="resource-count" className="input count" data-testid="resource-count" type="number" inputMode="numeric" min={1} max={20}
          value={count} onChange={(e) => onChange(clamp(Number(e.target.value)))}
        />
        <button type="button" className="btn" aria-label={t('resources.more')} onClick={() => onChange(clamp(count + 1))}>+</button>
      </div>
    </div>
  );
}
