/**
 * Recommendation latency over a 10,000-unit fleet: the demo city's unit types and stations
 * cycled into a synthetic fleet at random positions, ~60% of it dispatchable, queried with the
 * requirements of random response plans at random incident locations. One query at a time,
 * against the in-memory and the Redis GEO index.
 */
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { loadDemoCity } from '../../config/seed';
import type { CitySeed } from '../../config/seed/schema';
import { CityModel } from '../../server/city';
import { MemoryGeoIndex, type GeoIndex } from '../../server/units/geo-index';
import { RedisGeoIndex } from '../../server/units/redis-geo-index';
import { recommendUnits, straightLineTravel, type RecommendInput } from '../../server/units/recommend';
import { REAL_REDIS_URL } from '../support/env';
import { between, pick, summarize, type LatencySummary } from './stats';
import { deleteRedisKeys } from './teardown';

export const RECOMMEND_GOAL = { p99Ms: 5 };
const UNITS = 10_000;
const ELIGIBLE_SHARE = 0.6;
const WARMUP = 200;
const QUERIES = 2_000;
const CITY_BOX = { lat: [30.22, 30.30], lon: [120.10, 120.22] } as const;

export interface RecommendRow {
  index: 'in-memory' | 'Redis GEO';
  units: number;
  eligible: number;
  queries: number;
  latency: LatencySummary;
  /** Queries where some requirement could not be filled (should be 0 with this fleet). */
  short: number;
  /** Seconds spent filling the index (positions + eligibility). */
  fillSec: number;
}

export interface RecommendResult {
  rows: RecommendRow[];
  requirementsPerQuery: number;
}

/** The demo city with its fleet replaced by `count` units cycling through the real ones. */
function syntheticCity(count: number): CityModel {
  const seed = loadDemoCity();
  const units: CitySeed['units'] = Array.from({ length: count }, (_, i) => {
    const model = seed.units[i % seed.units.length]!;
    const id = `X-${String(i + 1).padStart(5, '0')}`;
    return { ...model, id, callsign: id };
  });
  return new CityModel({ ...seed, units, users: [] });
}

interface Fleet {
  positions: { unitId: string; lat: number; lon: number }[];
  eligible: { unitId: string; capabilities: string[] }[];
}

function randomFleet(city: CityModel): Fleet {
  const positions = [...city.units.keys()].map((unitId) => ({ unitId, lat: between(...CITY_BOX.lat), lon: between(...CITY_BOX.lon) }));
  const eligible = [...city.units.values()]
    .filter(() => Math.random() < ELIGIBLE_SHARE)
    .map((u) => ({ unitId: u.id, capabilities: [...u.capabilities] }));
  return { positions, eligible };
}

async function fill(geo: GeoIndex, fleet: Fleet): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < fleet.positions.length; i += 1000) await geo.update(fleet.positions.slice(i, i + 1000));
  // Eligibility changes one unit at a time (as unit events arrive), 50 in flight.
  for (let i = 0; i < fleet.eligible.length; i += 50) {
    await Promise.all(fleet.eligible.slice(i, i + 50).map((e) => geo.setEligible(e.unitId, e.capabilities)));
  }
  return (performance.now() - started) / 1000;
}

/** Random incidents: a response plan, its agency, a location in the city. */
function randomQueries(city: CityModel, count: number): RecommendInput[] {
  const plans = city.seed.responsePlans;
  return Array.from({ length: count }, (_, i) => {
    const plan = pick(plans);
    const kind = city.incidentTypes.get(plan.incidentTypeId)!.agencyKind;
    const agency = city.seed.agencies.find((a) => a.kind === kind)!;
    return {
      incidentId: `INC-BENCH-${i}`, agencyId: agency.id, requirements: plan.requirements.map((r) => ({ ...r })),
      location: { lat: between(...CITY_BOX.lat), lon: between(...CITY_BOX.lon) }, exclude: new Set<string>(), limit: 3,
    };
  });
}

async function measure(
  label: RecommendRow['index'], city: CityModel, geo: GeoIndex, fleet: Fleet, queries: RecommendInput[], progress: (line: string) => void,
): Promise<RecommendRow> {
  progress(`recommend (${label}): filling ${fleet.positions.length} positions, ${fleet.eligible.length} eligible`);
  const fillSec = await fill(geo, fleet);
  const travel = straightLineTravel(city);
  for (const q of queries.slice(0, WARMUP)) await recommendUnits(city, geo, travel, q);
  progress(`recommend (${label}): ${QUERIES} queries`);
  const latencies: number[] = [];
  let short = 0;
  for (const q of queries.slice(WARMUP)) {
    const started = performance.now();
    const rec = await recommendUnits(city, geo, travel, q);
    latencies.push(performance.now() - started);
    if (rec.requirements.some((r) => r.shortBy > 0)) short++;
  }
  const latency = summarize(latencies);
  progress(`recommend (${label}): p50 ${latency.p50.toFixed(2)} ms, p99 ${latency.p99.toFixed(2)} ms`);
  return { index: label, units: fleet.positions.length, eligible: fleet.eligible.length, queries: latencies.length, latency, short, fillSec };
}

export async function runRecommendBench(progress: (line: string) => void): Promise<RecommendResult> {
  const city = syntheticCity(UNITS);
  const fleet = randomFleet(city);
  const queries = randomQueries(city, WARMUP + QUERIES);
  const rows = [await measure('in-memory', city, new MemoryGeoIndex(), fleet, queries, progress)];

  const prefix = `beacon-bench-${randomBytes(5).toString('hex')}`;
  const redis = createClient({ url: REAL_REDIS_URL });
  redis.on('error', (err) => progress(`recommend (Redis GEO): redis error ${String(err)}`));
  await redis.connect();
  try {
    rows.push(await measure('Redis GEO', city, new RedisGeoIndex(redis, prefix), fleet, queries, progress));
  } finally {
    await redis.close();
    const deleted = await deleteRedisKeys(REAL_REDIS_URL, prefix);
    progress(`recommend (Redis GEO): deleted ${deleted} keys under ${prefix}`);
  }
  const requirementsPerQuery = queries.reduce((s, q) => s + q.requirements.length, 0) / queries.length;
  return { rows, requirementsPerQuery };
}
