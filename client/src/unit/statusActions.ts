/**
 * Which status buttons a crew sees: only the changes the unit machine accepts from its current
 * status (state-machines/unit.ts), so a crew is never offered a button the server will refuse.
 */
import type { CommandInput } from '../lib/live';

/** A status button: `acknowledge` or a `unit.status` target. */
export type StatusAction =
  | 'acknowledge' | 'en_route' | 'on_scene' | 'transporting' | 'at_destination'
  | 'clear' | 'available' | 'out_of_service' | 'in_service';

const BY_STATUS: Record<string, readonly StatusAction[]> = {
  available: ['out_of_service'],
  dispatched: ['acknowledge', 'en_route', 'on_scene'],
  acknowledged: ['en_route', 'on_scene'],
  en_route: ['on_scene', 'clear'],
  on_scene: ['transporting', 'clear'],
  transporting: ['at_destination', 'clear'],
  at_destination: ['clear'],
  returning: ['available', 'out_of_service'],
  out_of_service: ['in_service'],
};

/** Transport steps are offered only to units that can carry a patient. */
const NEEDS_TRANSPORT: readonly StatusAction[] = ['transporting', 'at_destination'];

/** The buttons for a unit in `status` with `capabilities`, the expected next step first. */
export function actionsFor(status: string, capabilities: readonly string[]): StatusAction[] {
  const canTransport = capabilities.includes('transport');
  return (BY_STATUS[status] ?? []).filter((a) => canTransport || !NEEDS_TRANSPORT.includes(a));
}

/** Actions that only take a unit away from work; drawn less prominently than the next step. */
export function isSecondary(action: StatusAction): boolean {
  return action === 'out_of_service' || action === 'clear';
}

/** The command a button sends. */
export function commandFor(action: StatusAction, unitId: string, reason?: string): CommandInput {
  if (action === 'acknowledge') return { type: 'unit.acknowledge', unitId };
  return reason ? { type: 'unit.status', unitId, status: action, reason } : { type: 'unit.status', unitId, status: action };
}
