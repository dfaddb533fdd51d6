/**
 * Unit recommendation for the open incident (`units.recommend`): per requirement of the
 * response plan, the nearest dispatchable units with ETA and distance. The recommended set
 * goes out with one key (D) or the button; any candidate can also be sent on its own.
 */
import { useLocale } from '../../lib/i18n';
import { STATUS_COLOURS } from '../../map/base';
import { capabilityLabel, statusLabel, t } from '../messages';
import { OutcomeLine } from '../Outcome';
import { useConsole } from '../session';
import type { Need } from './needs';
import type { RecommendationState } from './useRecommendation';

export { useRecommendation, type RecommendationState } from './useRecommendation';

/** The recommendation section (`recommendation-panel`) with the dispatch button (`dispatch-recommended`). */
export function RecommendationPanel({ state }: { state: RecommendationState }) {
  useLocale();
  const { rec } = state;
  return (
    <section className="detail-section recommendation" data-testid="recommendation-panel" aria-busy={state.loading}>
      <header className="section-head">
        <h3>{t('rec.title')}</h3>
        <button type="button" className="ghost small" onClick={state.refresh}>{t('rec.refresh')}</button>
      </header>
      {!rec && state.loading && <p className="muted">{t('rec.loading')}</p>}
      {state.error && <p className="error">{t('rec.error', { message: state.error })}</p>}
      {rec && rec.requirements.map((req, r) => (
        <div key={req.capability} className="rec-req">
          <NeedLine need={state.needs[r]} shortBy={req.shortBy} />
          <ul className="rec-units">
            {req.units.length === 0 && <li className="muted">{t('rec.none')}</li>}
            {req.units.map((u) => (
              <CandidateRow key={u.unitId} unit={u} picked={state.needs[r]?.picks.includes(u.unitId) ?? false} state={state} />
            ))}
          </ul>
        </div>
      ))}
      <div className="rec-actions">
        <button type="button" className="primary" data-testid="dispatch-recommended" disabled={!state.canDispatch} onClick={() => state.dispatch()}>
          {t('rec.dispatch')}
        </button>
        <OutcomeLine outcome={state.outcome} testId="dispatch-result" />
      </div>
    </section>
  );
}

type Candidate = NonNullable<RecommendationState['rec']>['requirements'][number]['units'][number];

/** One candidate unit: status, callsign (selects it on the map), ETA, distance, dispatch alone. */
function CandidateRow({ unit: u, picked, state }: { unit: Candidate; picked: boolean; state: RecommendationState }) {
  const c = useConsole();
  const status = c.units.items.get(u.unitId)?.status ?? 'available';
  return (
    <li className={picked ? 'rec-unit picked' : 'rec-unit'}
      data-testid={picked ? `recommended-unit-${u.unitId}` : `candidate-unit-${u.unitId}`} data-unit-id={u.unitId}>
      <span className="chip-dot" style={{ background: STATUS_COLOURS[status] }} title={statusLabel(status)} />
      <button type="button" className="link" onClick={() => c.selection.update((s) => ({ ...s, unitId: u.unitId }))}>
        {u.callsign}
      </button>
      <span className="muted">{c.city.unitTypeName(u.typeId)}</span>
      <span className="rec-eta">{t('rec.eta', { m: Math.max(1, Math.round(u.etaSec / 60)) })}</span>
      <span className="muted">{t('rec.km', { km: u.distanceKm.toFixed(1) })}</span>
      {picked && <span className="rec-tag">{t('rec.recommended')}</span>}
      <button type="button" className="small" onClick={() => state.dispatch([u.unitId])} disabled={!state.canSend}>
        {t('rec.add')}
      </button>
    </li>
  );
}

function NeedLine({ need, shortBy }: { need: Need | undefined; shortBy: number }) {
  if (!need) return null;
  const done = need.covered >= need.count;
  return (
    <div className={done ? 'rec-need covered' : 'rec-need'}>
      {t('rec.need', { capability: capabilityLabel(need.capability), count: need.count })}
      {need.covered > 0 && <span className="rec-covered"> · {t('rec.covered', { n: need.covered, count: need.count })}{done ? ' ✓' : ''}</span>}
      {!done && shortBy > 0 && <span className="rec-short"> · {t('rec.short', { n: shortBy })}</span>}
    </div>
  );
}
