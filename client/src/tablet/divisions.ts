/**
 * ICS columns of the board: the standard divisions and groups, the ones this commander added,
 * and any the incident already uses (added on another tablet); plus moves in flight.
 */
import { useCallback, useEffect, useState } from 'react';
import type { LiveClient } from '../lib/live';
import type { IncidentView } from '../lib/stores';
import { t } from './messages';

/** Columns every incident starts with. */
export const DEFAULT_DIVISIONS = ['Division A', 'Division B', 'Rescue Group', 'Ventilation Group', 'Staging'] as const;

/** Key of the column of units in no division. */
export const UNASSIGNED = 'unassigned';

/** Column key: lower case, spaces as dashes ("Rescue Group" → "rescue-group"). */
export function divisionSlug(name: string): string {
  return name.trim().toLowerCase().replace(/\s+/g, '-');
}

/** Names of the board's division columns, in order, without duplicates. */
export function boardDivisions(custom: readonly string[], divisions: Record<string, string>): string[] {
  const seen = new Set<string>([UNASSIGNED]);
  const out: string[] = [];
  for (const name of [...DEFAULT_DIVISIONS, ...custom, ...Object.values(divisions)]) {
    const key = divisionSlug(name);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(name);
  }
  return out;
}

/** Divisions this commander added to an incident (kept on this tablet). */
export function useCustomDivisions(incidentId: string): [string[], (name: string) => void] {
  const key = `beacon.tablet.divisions.${incidentId}`;
  const [custom, setCustom] = useState<string[]>(() => JSON.parse(localStorage.getItem(key) ?? '[]') as string[]);
  useEffect(() => setCustom(JSON.parse(localStorage.getItem(key) ?? '[]') as string[]), [key]);
  const add = useCallback((name: string) => {
    setCustom((prev) => {
      const next = [...prev, name.trim()];
      localStorage.setItem(key, JSON.stringify(next));
      return next;
    });
  }, [key]);
  return [custom, add];
}

/** A move sent and not yet seen in the incident's view. */
export interface PendingMove {
  division: string | null;
  acked: boolean;
}

/**
 * Sends `incident.unit.division` and tracks it until the incident's view shows the unit in
 * its new place (or the server refuses it). The board never draws an unconfirmed move as done.
 */
export function useDivisionMoves(live: LiveClient | null, incident: IncidentView) {
  const [pending, setPending] = useState<Record<string, PendingMove>>({});
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setPending((prev) => {
      const still = Object.entries(prev).filter(([unitId, m]) => (incident.divisions[unitId] ?? null) !== m.division);
      return still.length === Object.keys(prev).length ? prev : Object.fromEntries(still);
    });
  }, [incident.divisions]);

  const forget = (unitId: string, division: string | null) =>
    setPending(({ [unitId]: current, ...rest }) => (current && current.division === division ? rest : current ? { ...rest, [unitId]: current } : rest));

  const move = useCallback((unitId: string, division: string | null) => {
    if (!live || (incident.divisions[unitId] ?? null) === division) return;
    setError(null);
    setPending((p) => ({ ...p, [unitId]: { division, acked: false } }));
    live.command({ type: 'incident.unit.division', incidentId: incident.id, unitId, division }).then(
      // The view normally confirms at once; if someone moved it again meanwhile, stop waiting.
      () => {
        setPending((p) => (p[unitId]?.division === division ? { ...p, [unitId]: { division, acked: true } } : p));
        setTimeout(() => forget(unitId, division), 2_000);
      },
      (err: Error) => {
        forget(unitId, division);
        setError(err.message);
      },
    );
  }, [live, incident.id, incident.divisions]);

  return { pending, error, move, clearError: () => setError(null) };
}

const DEFAULT_LABELS = {
  'division-a': 'div.division-a', 'division-b': 'div.division-b', 'rescue-group': 'div.rescue-group',
  'ventilation-group': 'div.ventilation-group', staging: 'div.staging',
} as const;

/** What a division is called on screen: the standard ones in the chosen language, others as named. */
export function divisionLabel(name: string): string {
  const key = DEFAULT_LABELS[divisionSlug(name) as keyof typeof DEFAULT_LABELS];
  return key ? t(key) : name;
}
