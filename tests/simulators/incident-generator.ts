/**
 * Calls from the public, as a call taker would type them in: an incident type (more thefts,
 * traffic accidents and injuries than hazmat leaks), a priority the type's response plans
 * know, a spot on a real street of the city with an address, and a short description.
 */
import { pointInPolygon } from '../../config/seed/geometry';
import type { CityDocument } from './api-client';
import { offsetKm, type LatLon } from './movement';
import type { SeededRandom } from './random';

/** What the call taker enters for `incident.create`. */
export interface IncidentDraft {
  incidentType: string;
  agencyId: string;
  priority: 1 | 2 | 3 | 4;
  location: LatLon;
  address: string;
  description: string;
  callerNumber: string;
}

/** Relative frequency of each demo incident type; other types get their agency kind's default. */
const TYPE_WEIGHT: Record<string, number> = {
  theft: 5, assault: 2, 'traffic-accident': 5, 'suspicious-person': 3, disturbance: 3,
  'structure-fire': 1.5, 'vehicle-fire': 1.5, 'hazmat-leak': 0.3, 'water-rescue': 0.5,
  'cardiac-arrest': 2, injury: 4, 'breathing-problem': 3,
  'road-damage': 1.5, 'water-main-break': 0.7, 'streetlight-out': 1.5, 'noise-complaint': 2,
};
const KIND_WEIGHT: Record<string, number> = { police: 3, ems: 3, fire: 1, city: 1.5 };

/** Priority mix; most calls are 2 or 3. Some types lean urgent. */
const PRIORITY_WEIGHT: Record<number, number> = { 1: 1, 2: 3, 3: 4, 4: 2 };
const TYPE_PRIORITY_WEIGHT: Record<string, Record<number, number>> = {
  'cardiac-arrest': { 1: 6, 2: 2, 3: 0.3 },
  'structure-fire': { 1: 2, 2: 3, 3: 3 },
  'breathing-problem': { 1: 2, 2: 4, 3: 2, 4: 1 },
};

type Template = (r: SeededRandom) => string;
const vehicle = (r: SeededRandom) => r.pick(['white sedan', 'black SUV', 'delivery van', 'taxi', 'electric scooter', 'city bus', 'motorcycle']);
const age = (r: SeededRandom) => r.int(18, 88);
const TEMPLATES: Record<string, Template[]> = {
  theft: [
    (r) => `${r.pick(['phone', 'wallet', 'bicycle', 'handbag', 'laptop'])} stolen, suspect left on foot toward the ${r.pick(['metro station', 'market', 'park'])}`,
    () => 'shoplifting in progress, store security holding one person',
    (r) => `${vehicle(r)} broken into overnight, window smashed`,
  ],
  assault: [
    () => 'two men fighting outside a restaurant, one bleeding from the head',
    (r) => `caller reports being punched by a stranger, suspect wearing a ${r.pick(['red', 'grey', 'blue'])} jacket`,
    () => 'domestic argument turned physical, neighbours heard screaming',
  ],
  'traffic-accident': [
    (r) => `${vehicle(r)} and ${vehicle(r)} collided, ${r.pick(['no injuries', 'one driver complaining of neck pain', 'lane blocked'])}`,
    (r) => `${vehicle(r)} hit a cyclist at the crossing, cyclist conscious`,
    () => 'minor rear-end collision, drivers arguing, traffic backing up',
  ],
  'suspicious-person': [
    () => 'man trying car door handles along the street',
    () => 'person loitering near the school gate for an hour',
    (r) => `someone looking into ground-floor windows, ${r.pick(['dark hoodie', 'cap and mask', 'carrying a backpack'])}`,
  ],
  disturbance: [
    () => 'loud group blocking the pavement outside a bar',
    () => 'argument between a customer and shop staff, getting heated',
    () => 'street vendors quarrelling over a pitch',
  ],
  'structure-fire': [
    (r) => `smoke from a ${r.int(3, 24)}th-floor window of a residential block`,
    () => 'kitchen fire in a ground-floor restaurant, staff evacuated',
    () => 'fire alarm and smell of burning in an office building',
  ],
  'vehicle-fire': [
    (r) => `${vehicle(r)} on fire at the roadside, driver out`,
    () => 'electric scooter battery burning in a bicycle shed',
  ],
  'hazmat-leak': [
    () => 'strong chemical smell from a factory drain, two workers dizzy',
    () => 'gas cylinder leaking at a street food stall',
  ],
  'water-rescue': [
    () => 'person seen in the river, struggling near the embankment',
    () => 'child fell into the lake from the path, bystanders trying to reach',
  ],
  'cardiac-arrest': [
    (r) => `${r.pick(['male', 'female'])} about ${age(r)} collapsed, not breathing, bystander doing CPR`,
    () => 'elderly man unresponsive at the bus stop',
  ],
  injury: [
    (r) => `${r.pick(['man', 'woman', 'child'])} fell down stairs, possible broken ${r.pick(['leg', 'wrist', 'arm'])}`,
    () => 'construction worker cut his hand badly, heavy bleeding',
    (r) => `cyclist about ${age(r)} fell, head wound, conscious`,
  ],
  'breathing-problem': [
    (r) => `${r.pick(['woman', 'man'])} about ${age(r)} with severe asthma attack`,
    () => 'elderly patient short of breath, history of heart disease',
  ],
  'road-damage': [
    () => 'large pothole in the right lane, cars swerving',
    () => 'road surface sinking near the drain cover',
  ],
  'water-main-break': [
    () => 'water gushing from the road surface, street flooding',
    () => 'burst pipe under the pavement, no water in nearby buildings',
  ],
  'streetlight-out': [
    (r) => `${r.int(2, 6)} streetlights out along the block`,
    () => 'traffic signal dark at the junction',
  ],
  'noise-complaint': [
    () => 'construction work after 22:00, drilling',
    () => 'loud music from a shop speaker all evening',
  ],
};

export class IncidentGenerator {
  private readonly types: (readonly [CityDocument['incidentTypes'][number], number])[];

  constructor(private readonly city: CityDocument, private readonly rng: SeededRandom) {
    this.types = city.incidentTypes
      .filter((t) => this.agencyFor(t.agencyKind) && city.responsePlans.some((p) => p.incidentTypeId === t.id))
      .map((t) => [t, TYPE_WEIGHT[t.id] ?? KIND_WEIGHT[t.agencyKind] ?? 1] as const);
    if (this.types.length === 0) throw new Error('incident generator: the city has no incident type with an agency and a response plan');
  }

  next(): IncidentDraft {
    const type = this.rng.weighted(this.types);
    const plans = new Set(this.city.responsePlans.filter((p) => p.incidentTypeId === type.id).map((p) => p.priority));
    const mix = TYPE_PRIORITY_WEIGHT[type.id] ?? PRIORITY_WEIGHT;
    const priority = this.rng.weighted([1, 2, 3, 4].map((p) => [p as 1 | 2 | 3 | 4, plans.has(p) ? (mix[p] ?? 0.5) : 0] as const));
    const { location, address } = this.place();
    const templates = TEMPLATES[type.id] ?? [() => `${type.name} reported by a caller`];
    return {
      incidentType: type.id, agencyId: this.agencyFor(type.agencyKind)!, priority, location, address,
      description: this.rng.pick(templates)(this.rng),
      callerNumber: `1${this.rng.pick(['35', '38', '39', '58', '77', '86'])}${String(this.rng.int(0, 99_999_999)).padStart(8, '0')}`,
    };
  }

  /** The first agency of the kind that handles the incident type. */
  agencyFor(kind: string): string | undefined {
    return this.city.agencies.find((a) => a.kind === kind)?.id;
  }

  /** A point a little off a random street, inside the city, with a house number on that street. */
  private place(): { location: LatLon; address: string } {
    const inCity = (p: LatLon) => pointInPolygon([p.lon, p.lat], this.city.city.boundary);
    for (let attempt = 0; attempt < 20 && this.city.streets.length > 0; attempt++) {
      const street = this.rng.pick(this.city.streets);
      const path = street.geometry.coordinates;
      const i = this.rng.int(0, path.length - 2);
      const [a, b] = [path[i]!, path[i + 1]!];
      const t = this.rng.next();
      const onStreet = { lon: a[0] + (b[0] - a[0]) * t, lat: a[1] + (b[1] - a[1]) * t };
      const p = offsetKm(onStreet, this.rng.between(-0.04, 0.04), this.rng.between(-0.04, 0.04));
      if (inCity(p)) return { location: p, address: `No. ${this.rng.int(1, 399)} ${street.name}` };
    }
    // No usable street: any point in the city's bounding box that lies inside it.
    const ring = this.city.city.boundary.coordinates[0]!;
    const lons = ring.map((c) => c[0]);
    const lats = ring.map((c) => c[1]);
    for (;;) {
      const p = { lon: this.rng.between(Math.min(...lons), Math.max(...lons)), lat: this.rng.between(Math.min(...lats), Math.max(...lats)) };
      if (inCity(p)) return { location: offsetKm(p, 0, 0), address: `${this.city.city.name}, grid ${p.lat.toFixed(4)} N ${p.lon.toFixed(4)} E` };
    }
  }
}
