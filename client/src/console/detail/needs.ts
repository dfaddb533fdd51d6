/**
 * What of the response plan is still missing once the assigned units are counted. The
 * server's recommendation always answers the whole plan (excluding assigned units), so
 * without this a second D would send a second full response to an incident already covered.
 */
import type { Recommendation } from '../../../../server/units/recommend';

/** One requirement of the plan, as far as it is still open. */
export interface Need {
  capability: string;
  count: number;
  /** Assigned units counted against this requirement. */
  covered: number;
  /** Recommended units that would fill the gap (no more than it). */
  picks: string[];
}

/**
 * Counts each assigned unit against the first requirement it can fill (in plan order, as the
 * server picks), then takes the best recommended candidates for what remains.
 */
export function remainingNeeds(rec: Recommendation, assigned: readonly string[], capabilitiesOf: (unitId: string) => readonly string[]): Need[] {
  const free = new Set(assigned);
  return rec.requirements.map((req) => {
    let covered = 0;
    for (const unitId of [...free]) {
      if (covered >= req.count) break;
      if (capabilitiesOf(unitId).includes(req.capability)) {
        covered++;
        free.delete(unitId);
      }
    }
    const picks = req.units.slice(0, req.count).map((u) => u.unitId).filter((id) => rec.recommended.includes(id));
    return { capability: req.capability, count: req.count, covered, picks: picks.slice(0, Math.max(0, req.count - covered)) };
  });
}

/** The units one D press sends: the picks of every requirement not yet covered. */
export function unitsToDispatch(needs: Need[]): string[] {
  return [...new Set(needs.flatMap((n) => n.picks))];
}
