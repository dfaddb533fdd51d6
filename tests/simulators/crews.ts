/**
 * The crews of the fleet: each unit drives and reports its status the way a crew would.
 * Dispatched → acknowledged on the next tick → en route → on scene within ~100 m of the
 * incident → after some time on scene, an ambulance may transport to a hospital (an EMS
 * station) → at destination → clear; everyone else clears from the scene → returning → available
 * back at the station. Available patrol units cruise within about a kilometre of their station.
 *
 * The crew follows the unit's status as the server reports it, so units dispatched by people
 * at a console, or left mid-incident by an earlier run, are driven as well.
 */
import type { AvlPosition } from '../../server/protocol';
import type { CityDocument, CommandInput, UnitSnapshot } from './api-client';
import { distanceKm, driveToward, kmPerTick, randomPointNear, type LatLon } from './movement';
import type { SeededRandom } from './random';

/** How close (km) counts as "arrived". */
export const ARRIVAL_KM = 0.1;
const PATROL_RADIUS_KM = 1;
const PATROL_SPEED_KMH = 25;
/** A stationary unit reports its position every this many ticks (a moving one every tick). */
const IDLE_REPORT_TICKS = 10;
/** After a refused status change, wait this many ticks before trying again. */
const RETRY_TICKS = 5;

export interface CrewOptions {
  tickMs: number;
  speedFactor: number;
  sceneTicks: readonly [number, number];
  /** Chance an ambulance takes the patient to hospital. */
  transportChance: number;
}

/** A status change a crew asks its agency's dispatcher to enter. */
export interface CrewRequest {
  agencyId: string;
  unitId: string;
  incidentId: string | null;
  command: CommandInput;
  /** Called when the server refused it. */
  refused(): void;
}

interface Vehicle {
  agencyId: string;
  speedKmh: number;
  capabilities: readonly string[];
  home: LatLon;
  patrols: boolean;
}

interface Crew {
  position: LatLon;
  status: string;
  incidentId: string | null;
  sinceTick: number;
  sceneTicks: number;
  hospital: LatLon | null;
  patrolTarget: LatLon | null;
  retryAtTick: number;
}

export class Crews {
  private readonly vehicles = new Map<string, Vehicle>();
  private readonly crews = new Map<string, Crew>();
  private readonly hospitals: LatLon[];
  /** Incidents whose patient an ambulance transported (for the closing disposition). */
  readonly transported = new Set<string>();

  constructor(
    city: CityDocument,
    private readonly rng: SeededRandom,
    private readonly opts: CrewOptions,
    private readonly inCity: (p: LatLon) => boolean,
  ) {
    const stations = new Map(city.stations.map((s) => [s.id, { lon: s.position[0], lat: s.position[1] }]));
    const types = new Map(city.unitTypes.map((t) => [t.id, t]));
    for (const u of city.units) {
      const type = types.get(u.typeId);
      const home = stations.get(u.stationId);
      if (!type || !home) continue;
      this.vehicles.set(u.id, { agencyId: u.agencyId, speedKmh: type.speedKmh, capabilities: type.capabilities, home, patrols: type.capabilities.includes('patrol') });
    }
    const emsAgencies = new Set(city.agencies.filter((a) => a.kind === 'ems').map((a) => a.id));
    this.hospitals = city.stations.filter((s) => emsAgencies.has(s.agencyId)).map((s) => ({ lon: s.position[0], lat: s.position[1] }));
  }

  /** Where the simulator believes the unit is. */
  positionOf(unitId: string): LatLon | undefined {
    return this.crews.get(unitId)?.position;
  }

  /**
   * One tick for every unit: move it for its current status, then decide the status change
   * its crew would report. Returns the positions to report and the status changes to enter.
   */
  step(units: UnitSnapshot[], tick: number, now: string, incidentAt: (id: string) => LatLon | undefined): { positions: AvlPosition[]; requests: CrewRequest[] } {
    const positions: AvlPosition[] = [];
    const requests: CrewRequest[] = [];
    units.forEach((snapshot, index) => {
      const vehicle = this.vehicles.get(snapshot.id);
      if (!vehicle) return;
      const crew = this.follow(snapshot, vehicle, tick);
      const target = this.targetOf(crew, vehicle, incidentAt);
      const moved = this.move(crew, vehicle, target);
      const due = tick === 1 || moved.speedKmh > 0 || (tick + index) % IDLE_REPORT_TICKS === 0;
      if (due) {
        positions.push({
          unitId: snapshot.id, lat: crew.position.lat, lon: crew.position.lon, at: now,
          ...(moved.heading === undefined ? {} : { heading: moved.heading }), speedKmh: moved.speedKmh, accuracyM: 5,
        });
      }
      if (tick < crew.retryAtTick) return;
      const command = this.decide(crew, vehicle, snapshot.id, tick, target);
      if (command) {
        requests.push({
          agencyId: vehicle.agencyId, unitId: snapshot.id, incidentId: crew.incidentId, command,
          refused: () => { crew.retryAtTick = tick + RETRY_TICKS; },
        });
      }
    });
    return { positions, requests };
  }

  /** Takes on the server's status; a new status starts its own clock. */
  private follow(snapshot: UnitSnapshot, vehicle: Vehicle, tick: number): Crew {
    let crew = this.crews.get(snapshot.id);
    if (!crew) {
      crew = {
        position: snapshot.position ?? vehicle.home, status: '', incidentId: null, sinceTick: tick, sceneTicks: 0,
        hospital: null, patrolTarget: null, retryAtTick: 0,
      };
      this.crews.set(snapshot.id, crew);
    }
    if (crew.status !== snapshot.status || crew.incidentId !== snapshot.incidentId) {
      crew.status = snapshot.status;
      crew.incidentId = snapshot.incidentId;
      crew.sinceTick = tick;
      crew.retryAtTick = 0;
      if (snapshot.status === 'on_scene') crew.sceneTicks = this.rng.int(this.opts.sceneTicks[0], this.opts.sceneTicks[1]);
      if (snapshot.status !== 'transporting' && snapshot.status !== 'at_destination') crew.hospital = null;
    }
    return crew;
  }

  private targetOf(crew: Crew, vehicle: Vehicle, incidentAt: (id: string) => LatLon | undefined): LatLon | undefined {
    switch (crew.status) {
      case 'en_route':
        return crew.incidentId ? incidentAt(crew.incidentId) : undefined;
      case 'transporting':
        crew.hospital ??= this.nearestHospital(crew.position);
        return crew.hospital ?? undefined;
      case 'returning':
        return vehicle.home;
      case 'available':
        if (!vehicle.patrols) return vehicle.home;
        if (!crew.patrolTarget || distanceKm(crew.position, crew.patrolTarget) < 0.01) {
          crew.patrolTarget = randomPointNear(vehicle.home, PATROL_RADIUS_KM, this.rng, this.inCity);
        }
        return crew.patrolTarget;
      default:
        return undefined;
    }
  }

  private move(crew: Crew, vehicle: Vehicle, target: LatLon | undefined): { heading: number | undefined; speedKmh: number } {
    if (!target) return { heading: undefined, speedKmh: 0 };
    const patrolling = crew.status === 'available' && vehicle.patrols;
    const speedKmh = patrolling ? Math.min(PATROL_SPEED_KMH, vehicle.speedKmh) : vehicle.speedKmh;
    const step = driveToward(crew.position, target, kmPerTick(speedKmh, this.opts.tickMs, this.opts.speedFactor));
    crew.position = step.position;
    return step.movedKm > 0 ? { heading: step.heading, speedKmh: Math.min(speedKmh, 400) } : { heading: undefined, speedKmh: 0 };
  }

  private decide(crew: Crew, vehicle: Vehicle, unitId: string, tick: number, target: LatLon | undefined): CommandInput | null {
    const inStatus = tick - crew.sinceTick;
    const arrived = target !== undefined && distanceKm(crew.position, target) <= ARRIVAL_KM;
    const status = (s: 'en_route' | 'on_scene' | 'transporting' | 'at_destination' | 'clear' | 'available'): CommandInput => ({ type: 'unit.status', unitId, status: s });
    switch (crew.status) {
      case 'dispatched':
        return inStatus >= 1 ? { type: 'unit.acknowledge', unitId } : null;
      case 'acknowledged':
        return inStatus >= 1 ? status('en_route') : null;
      case 'en_route':
        return arrived ? status('on_scene') : null;
      case 'on_scene': {
        if (inStatus < crew.sceneTicks) return null;
        const transports = vehicle.capabilities.includes('transport') && this.hospitals.length > 0 && this.rng.chance(this.opts.transportChance);
        if (!transports) return status('clear');
        if (crew.incidentId) this.transported.add(crew.incidentId);
        crew.hospital = this.nearestHospital(crew.position);
        return status('transporting');
      }
      case 'transporting':
        return arrived ? status('at_destination') : null;
      case 'at_destination':
        return inStatus >= 2 ? status('clear') : null;
      case 'returning':
        return arrived ? status('available') : null;
      default:
        return null;
    }
  }

  private nearestHospital(from: LatLon): LatLon | null {
    let best: LatLon | null = null;
    for (const h of this.hospitals) if (!best || distanceKm(from, h) < distanceKm(from, best)) best = h;
    return best;
  }
}
