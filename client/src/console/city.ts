/**
 * The city's reference data as the console looks things up: localized names, response plans
 * (the same nearest-priority rule as the server's `CityModel.plan`), street midpoints for
 * addresses typed at the command line.
 */
import type { City } from '../map/base';
import type { ResponsePlan } from '../../../config/seed/schema';
import { currentLocale } from '../lib/i18n';

type Named = { name: string; nameZh: string };

/** The name in the current language. */
export function localName(item: Named | undefined, fallback = '—'): string {
  if (!item) return fallback;
  return currentLocale() === 'zh-CN' ? item.nameZh : item.name;
}

/** Indexed, read-only view of `GET /api/v1/city`. */
export class CityIndex {
  readonly agencies: Map<string, City['agencies'][number]>;
  readonly stations: Map<string, City['stations'][number]>;
  readonly unitTypes: Map<string, City['unitTypes'][number]>;
  readonly incidentTypes: Map<string, City['incidentTypes'][number]>;
  readonly unitSeeds: Map<string, City['units'][number]>;

  constructor(readonly data: City) {
    this.agencies = new Map(data.agencies.map((a) => [a.id, a]));
    this.stations = new Map(data.stations.map((s) => [s.id, s]));
    this.unitTypes = new Map(data.unitTypes.map((t) => [t.id, t]));
    this.incidentTypes = new Map(data.incidentTypes.map((t) => [t.id, t]));
    this.unitSeeds = new Map(data.units.map((u) => [u.id, u]));
  }

  incidentTypeName(id: string): string {
    return localName(this.incidentTypes.get(id), id);
  }

  agencyName(id: string): string {
    return localName(this.agencies.get(id), id);
  }

  stationName(id: string): string {
    return localName(this.stations.get(id), id);
  }

  unitTypeName(id: string): string {
    return localName(this.unitTypes.get(id), id);
  }

  /** The plan for a type and priority; falls back to the nearest priority the type has. */
  plan(incidentTypeId: string, priority: number): ResponsePlan | null {
    const plans = this.data.responsePlans.filter((p) => p.incidentTypeId === incidentTypeId);
    if (plans.length === 0) return null;
    return plans.reduce((best, p) => (Math.abs(p.priority - priority) < Math.abs(best.priority - priority) ? p : best));
  }

  /** The agency that handles a type: the actor's own if it is of the right kind, else the first such. */
  agencyFor(incidentTypeId: string, preferred: string | null): string | undefined {
    const kind = this.incidentTypes.get(incidentTypeId)?.agencyKind;
    if (!kind) return undefined;
    if (preferred && this.agencies.get(preferred)?.kind === kind) return preferred;
    return this.data.agencies.find((a) => a.kind === kind)?.id;
  }

  /** Incident types an agency handles (all when `agencyId` is null). */
  incidentTypesFor(agencyId: string | null): City['incidentTypes'] {
    const kind = agencyId ? this.agencies.get(agencyId)?.kind : undefined;
    return kind ? this.data.incidentTypes.filter((t) => t.agencyKind === kind) : this.data.incidentTypes;
  }

  /**
   * The street whose name (English, Chinese or id) the text starts with, longest first, and the
   * rest of the text: `@Beishan Road car on fire` → Beishan Road, "car on fire".
   */
  matchStreet(text: string): { street: City['streets'][number]; rest: string } | null {
    const lower = text.toLowerCase();
    let best: { street: City['streets'][number]; len: number } | null = null;
    for (const s of this.data.streets) {
      for (const name of [s.name, s.nameZh, s.id]) {
        const n = name.toLowerCase();
        const fits = lower.startsWith(n) && (lower.length === n.length || /[\s,]/.test(lower[n.length]!) || /[^\x00-\x7f]/.test(n));
        if (fits && (!best || n.length > best.len)) best = { street: s, len: n.length };
      }
    }
    return best ? { street: best.street, rest: text.slice(best.len).trim() } : null;
  }

  /** The point halfway along a street (by length, on its polyline). */
  streetMidpoint(streetId: string): { lat: number; lon: number } | null {
    const s = this.data.streets.find((x) => x.id === streetId);
    if (!s) return null;
    const pts = s.geometry.coordinates;
    const seg = pts.slice(1).map((p, i) => Math.hypot(p[0] - pts[i]![0], p[1] - pts[i]![1]));
    let half = seg.reduce((a, b) => a + b, 0) / 2;
    for (let i = 0; i < seg.length; i++) {
      const len = seg[i]!;
      if (half <= len && len > 0) {
        const [a, b] = [pts[i]!, pts[i + 1]!];
        const f = half / len;
        return { lon: round6(a[0] + (b[0] - a[0]) * f), lat: round6(a[1] + (b[1] - a[1]) * f) };
      }
      half -= len;
    }
    const last = pts[pts.length - 1]!;
    return { lon: last[0], lat: last[1] };
  }
}

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;
