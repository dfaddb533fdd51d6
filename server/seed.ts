/**
 * First-start seeding: registers every unit of the city as an aggregate (through the
 * pipeline, so each has its `unit.registered` event in the audit chain) and places units
 * without a known position at their station.
 */
import { SYSTEM_ACTOR } from './auth/users';
import type { CityModel } from './city';
import type { CommandPipeline } from './commands/pipeline';
import type { Sql } from './store/db';
import type { GeoIndex } from './units/geo-index';
import { RejectedByStateMachine } from './errors';

export async function seedUnits(sql: Sql, pipeline: CommandPipeline, city: CityModel): Promise<number> {
  const existing = new Set((await sql<{ id: string }[]>`SELECT id FROM aggregates WHERE type = 'unit'`).map((r) => r.id));
  const missing = [...city.units.keys()].filter((id) => !existing.has(id));
  if (missing.length === 0) return 0;
  try {
    await pipeline.execute(SYSTEM_ACTOR, `seed-units-${Date.now().toString(36)}-${missing.length}`, 'unit.register', async (ctx) => {
      const steps = [];
      for (const id of missing) if (!(await ctx.tryLoad('unit', id))) steps.push({ type: 'unit' as const, id, create: {} });
      return { steps };
    });
  } catch (err) {
    // Another node seeded them first.
    if (!(err instanceof RejectedByStateMachine)) throw err;
  }
  return missing.length;
}

export async function placeUnitsAtStations(city: CityModel, geo: GeoIndex): Promise<void> {
  const unplaced = [];
  for (const unit of city.units.values()) {
    if (await geo.position(unit.id)) continue;
    const at = city.stationPosition(unit.stationId);
    if (at) unplaced.push({ unitId: unit.id, ...at });
  }
  await geo.update(unplaced);
}

/** The token signing secret shared by all nodes through the database, created once. */
export async function sharedSecret(sql: Sql, fresh: string): Promise<string> {
  await sql`INSERT INTO settings (key, value) VALUES ('auth_secret', ${fresh}) ON CONFLICT (key) DO NOTHING`;
  const [row] = await sql<{ value: string }[]>`SELECT value FROM settings WHERE key = 'auth_secret'`;
  return row!.value;
}
