/**
 * The recommendation of the open incident (`units.recommend`), asked on open, after every
 * change of the incident, on reconnecting and every 15 s; and the dispatch of what it
 * recommends, guarded so that one key press sends one command.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Recommendation } from '../../../../server/units/recommend';
import { CommandRefused } from '../../lib/live';
import type { IncidentView } from '../../lib/stores';
import { sendCommand, useConsole, type CommandOutcome, type ConsoleServices } from '../session';
import { useLiveState } from '../state';
import { remainingNeeds, unitsToDispatch, type Need } from './needs';

const REFRESH_MS = 15_000;
const LIMIT = 3;

/** The recommendation as the detail panel shows and uses it. */
export interface RecommendationState {
  rec: Recommendation | null;
  /** Per requirement: what assigned units already cover and what D would add. */
  needs: Need[];
  error: string | null;
  loading: boolean;
  outcome: CommandOutcome | null;
  /** True when a D press would dispatch now. */
  canDispatch: boolean;
  /** True when a single unit could be dispatched now. */
  canSend: boolean;
  dispatch(unitIds?: string[]): void;
  refresh(): void;
}

function useRecommendationQuery(id: string | null, version: number) {
  const { live } = useConsole();
  const liveState = useLiveState(live);
  const [rec, setRec] = useState<Recommendation | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const asked = useRef(0);
  const refresh = useCallback(() => {
    if (!id || live.state !== 'live') return;
    const n = ++asked.current;
    setLoading(true);
    live.query<Recommendation>({ type: 'units.recommend', incidentId: id, limit: LIMIT })
      .then((r) => n === asked.current && (setRec(r), setError(null)))
      .catch((e: unknown) => n === asked.current && setError(e instanceof CommandRefused ? e.message : String(e)))
      .finally(() => n === asked.current && setLoading(false));
  }, [id, live]);
  useEffect(() => {
    setRec(null);
    setError(null);
  }, [id]);
  useEffect(refresh, [refresh, version, liveState]);
  useEffect(() => {
    const timer = setInterval(refresh, REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh]);
  return { rec: rec && rec.incidentId === id ? rec : null, error, loading, refresh, liveState };
}

/** Recommendation and dispatch for the open incident (null: none open). */
export function useRecommendation(incident: IncidentView | null): RecommendationState {
  const c = useConsole();
  const id = incident?.id ?? null;
  const query = useRecommendationQuery(id, incident?.version ?? 0);
  const [outcome, setOutcome] = useState<CommandOutcome | null>(null);
  const [busy, setBusy] = useState(false);
  const inFlight = useRef(false);
  // Units just dispatched count as assigned until the incident's feed shows them.
  const [sent, setSent] = useState<string[]>([]);
  useEffect(() => {
    setOutcome(null);
    setSent([]);
  }, [id]);
  useEffect(() => {
    const units = incident?.units ?? {};
    setSent((prev) => (prev.some((u) => u in units) ? prev.filter((u) => !(u in units)) : prev));
  }, [incident?.units]);

  const assigned = [...new Set([...Object.keys(incident?.units ?? {}), ...sent])];
  const needs = query.rec ? remainingNeeds(query.rec, assigned, (unitId) => capabilitiesOf(c, unitId)) : [];
  const toDispatch = unitsToDispatch(needs);
  const canSend = !!id && !busy && query.liveState === 'live';
  const dispatch = (unitIds?: string[]) => {
    const units = unitIds ?? toDispatch;
    if (!id || units.length === 0 || inFlight.current || c.live.state !== 'live') return;
    inFlight.current = true;
    setBusy(true);
    void sendCommand(c.live, { type: 'incident.dispatch', incidentId: id, unitIds: units }, setOutcome, units.join(', '))
      .then((o) => o.kind === 'ack' && setSent((prev) => [...prev, ...units]))
      .finally(() => {
        inFlight.current = false;
        setBusy(false);
        query.refresh();
      });
  };
  return {
    rec: query.rec, needs, error: query.error, loading: query.loading, outcome,
    canDispatch: canSend && toDispatch.length > 0 && !query.loading, canSend, dispatch, refresh: query.refresh,
  };
}

function capabilitiesOf(c: ConsoleServices, unitId: string): readonly string[] {
  const live = c.units.items.get(unitId)?.capabilities;
  if (live) return live;
  const typeId = c.city.unitSeeds.get(unitId)?.typeId;
  return (typeId ? c.city.unitTypes.get(typeId)?.capabilities : undefined) ?? [];
}
