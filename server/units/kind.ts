/** The unit aggregate as the pipeline sees it. Static facts (callsign, type) come from the city. */
import type { AnyMachineSnapshot } from 'xstate';
import { unitMachine, type UnitContext } from '../../state-machines/unit';
import { type AggregateKind, stateName } from '../commands/aggregate-kind';
import type { CityModel } from '../city';

const EVENT_NAMES: Record<string, string> = {
  CREATE: 'unit.registered',
  DISPATCH: 'unit.dispatched',
  PREEMPT: 'unit.preempted',
  ACKNOWLEDGE: 'unit.acknowledged',
  EN_ROUTE: 'unit.status.en_route',
  ON_SCENE: 'unit.status.on_scene',
  TRANSPORT: 'unit.status.transporting',
  AT_DESTINATION: 'unit.status.at_destination',
  CLEAR: 'unit.cleared',
  RELEASE: 'unit.released',
  AVAILABLE: 'unit.status.available',
  OUT_OF_SERVICE: 'unit.status.out_of_service',
  IN_SERVICE: 'unit.status.in_service',
  EMERGENCY: 'unit.emergency.raised',
  EMERGENCY_CLEAR: 'unit.emergency.cleared',
};

/** Statuses in which a unit may be dispatched (and so recommended). */
export const DISPATCHABLE_STATUSES: readonly string[] = ['available', 'returning'];

export interface UnitView extends UnitContext {
  id: string;
  version: number;
  status: string;
  callsign: string;
  typeId: string;
  agencyId: string;
  stationId: string;
  homeDistrictId: string;
  capabilities: string[];
}

export function unitKind(city: CityModel): AggregateKind {
  return {
    type: 'unit',
    machine: unitMachine,
    view: (id: string, snapshot: AnyMachineSnapshot, version: number) => {
      const p = city.units.get(id);
      const view: UnitView = {
        id, version, status: stateName(snapshot), ...(snapshot.context as UnitContext),
        callsign: p?.callsign ?? id, typeId: p?.type.id ?? 'unknown', agencyId: p?.agencyId ?? 'unknown',
        stationId: p?.stationId ?? 'unknown', homeDistrictId: p?.homeDistrictId ?? 'unknown', capabilities: p?.capabilities ?? [],
      };
      return view as unknown as Record<string, unknown>;
    },
    eventName: (t) => EVENT_NAMES[t] ?? `unit.${t.toLowerCase()}`,
    feeds: (view) => [`units:${view.homeDistrictId as string}`],
    scope: (view) => ({ agencyId: view.agencyId as string, districtId: view.homeDistrictId as string }),
  };
}
