/**
 * The unit's status and the big buttons for the changes it may make next. A pressed button
 * shows "sending" until the server acknowledges, or "queued" while the connection is down;
 * the status shown is always the one the server confirmed.
 */
import { useState, type CSSProperties, type FormEvent } from 'react';
import { common } from '../lib/i18n';
import { localTime } from '../lib/format';
import { STATUS_COLOURS } from './colours';
import type { LiveState } from '../lib/live';
import type { UnitView } from '../lib/stores';
import { actionsFor, commandFor, isSecondary, type StatusAction } from './statusActions';
import type { CommandTracker } from '../lib/useCommand';
import { t } from './messages';

interface Props {
  unit: UnitView;
  state: LiveState;
  commands: CommandTracker;
}

/** Current status card plus the valid status buttons. */
export function StatusPanel({ unit, state, commands }: Props) {
  const [askReason, setAskReason] = useState(false);
  const actions = actionsFor(unit.status, unit.capabilities);
  const stale = state !== 'live';

  const press = (action: StatusAction) => {
    if (action === 'out_of_service') return setAskReason(true);
    void commands.run(action, commandFor(action, unit.id));
  };

  return (
    <section className="panel" aria-labelledby="status-heading">
      <h2 id="status-heading" className="sr-only">{t('status.heading')}</h2>
      <div
        className={`status-card${stale ? ' stale' : ''}`}
        data-testid="unit-status"
        data-status={unit.status}
        style={{ '--status-colour': STATUS_COLOURS[unit.status] ?? '#8b949e' } as CSSProperties}
      >
        <span className="status-name">{common(`unit.${unit.status}` as Parameters<typeof common>[0])}</span>
        <span className="status-since">{t('status.since', { time: localTime(unit.since) })}</span>
      </div>
      <div className="status-actions">
        {actions.map((a, i) => (
          <button
            key={a}
            type="button"
            data-testid={`status-btn-${a}`}
            className={`btn status-btn${i === 0 && !isSecondary(a) ? ' btn-primary' : ''}${isSecondary(a) ? ' btn-secondary' : ''}`}
            disabled={commands.pending !== null}
            aria-busy={commands.pending === a}
            onClick={() => press(a)}
          >
            {commands.pending === a ? t(stale ? 'action.queued_short' : 'action.sending') : t(`action.${a}`)}
          </button>
        ))}
      </div>
      {commands.pending && stale && <p className="hint warn" role="status">{t('action.queued')}</p>}
      {commands.error && <p className="hint error" role="alert">{t('action.refused', { message: commands.error })}</p>}
      {askReason && (
        <ReasonSheet
          onCancel={() => setAskReason(false)}
          onSubmit={(reason) => {
            setAskReason(false);
            void commands.run('out_of_service', commandFor('out_of_service', unit.id, reason));
          }}
        />
      )}
    </section>
  );
}

const PRESETS = ['oos.maintenance', 'oos.fuel', 'oos.crew', 'oos.training', 'oos.decon'] as const;

/** Asks why the unit goes out of service (the server requires a reason). */
function ReasonSheet({ onCancel, onSubmit }: { onCancel(): void; onSubmit(reason: string): void }) {
  const [reason, setReason] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (reason.trim()) onSubmit(reason.trim());
  };
  return (
    <div className="sheet-backdrop" role="presentation" onClick={onCancel}>
      <form className="sheet" role="dialog" aria-modal="true" aria-labelledby="oos-heading" onSubmit={submit} onClick={(e) => e.stopPropagation()}>
        <h2 id="oos-heading">{t('oos.heading')}</h2>
        <div className="chips">
          {PRESETS.map((k) => (
            <button key={k} type="button" className={`chip${reason === t(k) ? ' chip-on' : ''}`} onClick={() => setReason(t(k))}>{t(k)}</button>
          ))}
        </div>
        <input
          data-testid="oos-reason"
          className="input"
          value={reason}
          autoFocus
          maxLength={4000}
          placeholder={t('oos.placeholder')}
          aria-label={t('oos.placeholder')}
          onChange={(e) => setReason(e.target.value)}
        />
        <div className="sheet-actions">
          <button type="button" className="btn btn-secondary" onClick={onCancel}>{common('cancel')}</button>
          <button type="submit" data-testid="oos-submit" className="btn btn-primary" disabled={!reason.trim()}>{t('oos.submit')}</button>
        </div>
      </form>
    </div>
  );
}
