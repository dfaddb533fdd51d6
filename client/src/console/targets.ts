/**
 * Response targets of an incident: time since creation against the plan's dispatch target
 * (until a unit is dispatched) or arrival target (until the first unit is on scene).
 */
import type { IncidentView } from '../lib/stores';
import type { CityIndex } from './city';

/** Where an incident stands against its response target. */
export interface TargetStatus {
  elapsedMs: number;
  /** The target of the current phase, ms; null once a unit is on scene (or without a plan). */
  targetMs: number | null;
  phase: 'dispatch' | 'arrival' | 'on_scene';
  /** ok below 75 % of the target, warn from 75 %, over past it. */
  level: 'ok' | 'warn' | 'over';
}

const WAITING_STATES = ['new', 'triaged', 'pending', 'on_hold'];

/** The target status of an incident at time `now` (ms). */
export function responseTarget(inc: IncidentView, city: CityIndex, now: number): TargetStatus {
  const elapsedMs = Math.max(0, now - Date.parse(inc.createdAt));
  const plan = city.plan(inc.incidentType, inc.priority);
  let phase: TargetStatus['phase'];
  if (!inc.firstDispatchedAt && WAITING_STATES.includes(inc.state)) phase = 'dispatch';
  else if (!inc.firstOnSceneAt) phase = 'arrival';
  else phase = 'on_scene';
  const targetSec = !plan ? null : phase === 'dispatch' ? plan.dispatchTargetSec : phase === 'arrival' ? plan.arrivalTargetSec : null;
  const targetMs = targetSec === null ? null : targetSec * 1000;
  let level: TargetStatus['level'] = 'ok';
  if (targetMs !== null && elapsedMs >= targetMs) level = 'over';
  else if (targetMs !== null && elapsedMs >= targetMs * 0.75) level = 'warn';
  return { elapsedMs, targetMs, phase, level };
}

/** Queue order: most urgent priority first, then the longest waiting. */
export function byUrgency(a: IncidentView, b: IncidentView): number {
  return a.priority - b.priority || Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.id.localeCompare(b.id);
}
