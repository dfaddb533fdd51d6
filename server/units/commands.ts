/**
 * Unit command handlers: a unit's own status changes (from its crew or its dispatcher), kept
 * in step with the incident it is committed to.
 */
import type { CommandOf } from '../protocol';
import { NotFound, ValidationError, assertNever } from '../errors';
import { assertCanCommandUnit } from '../auth/authorize';
import type { CityModel } from '../city';
import type { Plan, Planner, Step } from '../commands/pipeline';
import type { UnitView } from './kind';

type UnitCommands = CommandOf<'unit.acknowledge' | 'unit.status' | 'unit.emergency'>;

const PROGRESS = { en_route: 'EN_ROUTE', on_scene: 'ON_SCENE', transporting: 'TRANSPORT', at_destination: 'AT_DESTINATION' } as const;

export function unitPlanner(city: CityModel, cmd: UnitCommands): Planner {
  return async (ctx): Promise<Plan> => {
    const profile = city.units.get(cmd.unitId);
    if (!profile) throw new NotFound(`unit ${cmd.unitId} does not exist`);
    assertCanCommandUnit(ctx.actor, profile);
    const unit = (await ctx.load('unit', cmd.unitId)).view as unknown as UnitView;
    const self = (event: Step extends infer S ? S extends { event: infer E } ? E : never : never): Step => ({ type: 'unit', id: unit.id, event });
    const onIncident = (event: { type: string } & Record<string, unknown>): Step[] =>
      unit.incidentId ? [{ type: 'incident', id: unit.incidentId, event }] : [];
    switch (cmd.type) {
      case 'unit.acknowledge':
        return { steps: [self({ type: 'ACKNOWLEDGE' }), ...onIncident({ type: 'UNIT_ACKNOWLEDGED', unitId: unit.id })] };
      case 'unit.emergency':
        return { steps: [self({ type: cmd.active ? 'EMERGENCY' : 'EMERGENCY_CLEAR' })] };
      case 'unit.status': {
        const status = cmd.status;
        switch (status) {
          case 'en_route':
          case 'on_scene':
          case 'transporting':
          case 'at_destination':
            return { steps: [self({ type: PROGRESS[status] }), ...onIncident({ type: 'UNIT_STATUS', unitId: unit.id, status })] };
          case 'clear':
            return { steps: [self({ type: 'CLEAR' }), ...onIncident({ type: 'UNIT_RELEASED', unitId: unit.id, reason: 'cleared by unit' })] };
          case 'available':
            return { steps: [self({ type: 'AVAILABLE' })] };
          case 'out_of_service':
            if (!cmd.reason) throw new ValidationError('out_of_service needs a reason');
            return { steps: [self({ type: 'OUT_OF_SERVICE', reason: cmd.reason })] };
          case 'in_service':
            return { steps: [self({ type: 'IN_SERVICE' })] };
          default:
            return assertNever(status);
        }
      }
      default:
        return assertNever(cmd);
    }
  };
}
