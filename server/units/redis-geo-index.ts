/**
 * Redis GEO implementation: `<prefix>:geo:all` holds every unit's latest position,
 * `<prefix>:geo:cap:<capability>` the dispatchable units with that capability, and the hash
 * `<prefix>:geo:eligible` each dispatchable unit's capabilities.
 */
import type { createClient } from 'redis';
import type { GeoHit, GeoIndex } from './geo-index';

type RedisClient = ReturnType<typeof createClient>;

const SPLIT_CAPS = `
local function caps(csv)
  local out = {}
  if csv then for c in string.gmatch(csv, '[^,]+') do out[#out + 1] = c end end
  return out
end`;

/** KEYS: all, eligible. ARGV: cap key prefix, then unitId, lon, lat triples. */
const UPDATE_SCRIPT = `${SPLIT_CAPS}
for i = 2, #ARGV, 3 do
  local id, lon, lat = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  redis.call('GEOADD', KEYS[1], lon, lat, id)
  for _, c in ipairs(caps(redis.call('HGET', KEYS[2], id) or nil)) do
    redis.call('GEOADD', ARGV[1] .. c, lon, lat, id)
  end
end
return 0`;

/** KEYS: all, eligible. ARGV: cap key prefix, unitId, comma-separated capabilities or ''. */
const ELIGIBLE_SCRIPT = `${SPLIT_CAPS}
local id, wanted = ARGV[2], ARGV[3]
for _, c in ipairs(caps(redis.call('HGET', KEYS[2], id) or nil)) do redis.call('ZREM', ARGV[1] .. c, id) end
if wanted == '' then redis.call('HDEL', KEYS[2], id) return 0 end
redis.call('HSET', KEYS[2], id, wanted)
local pos = redis.call('GEOPOS', KEYS[1], id)[1]
if pos then
  for _, c in ipairs(caps(wanted)) do redis.call('GEOADD', ARGV[1] .. c, pos[1], pos[2], id) end
end
return 0`;

export class RedisGeoIndex implements GeoIndex {
  constructor(private readonly redis: RedisClient, private readonly prefix: string) {}

  private key(part: string): string {
    return `${this.prefix}:geo:${part}`;
  }

  /**
   * Both writes run as Lua scripts, so a position report and an eligibility change of the same
   * unit never interleave (a dispatched unit must not reappear under its capabilities).
   * The scripts derive capability keys from the prefix: one Redis, not a cluster.
   */
  async update(positions: { unitId: string; lat: number; lon: number }[]): Promise<void> {
    if (positions.length === 0) return;
    const latest = new Map(positions.map((p) => [p.unitId, p]));
    const args = [...latest.values()].flatMap((p) => [p.unitId, String(p.lon), String(p.lat)]);
    await this.redis.eval(UPDATE_SCRIPT, { keys: [this.key('all'), this.key('eligible')], arguments: [this.key('cap:'), ...args] });
  }

  async setEligible(unitId: string, capabilities: string[] | null): Promise<void> {
    await this.redis.eval(ELIGIBLE_SCRIPT, {
      keys: [this.key('all'), this.key('eligible')],
      arguments: [this.key('cap:'), unitId, capabilities && capabilities.length > 0 ? capabilities.join(',') : ''],
    });
  }

  private async search(capability: string, at: { lat: number; lon: number }, by: { radius: number } | { count: number }): Promise<GeoHit[]> {
    const radius = 'radius' in by ? by.radius : 20000;
    const replies = await this.redis.geoSearchWith(
      this.key(`cap:${capability}`),
      { longitude: at.lon, latitude: at.lat },
      { radius, unit: 'km' },
      ['WITHDIST', 'WITHCOORD'] as never,
      { SORT: 'ASC', ...('count' in by ? { COUNT: by.count } : {}) },
    );
    return replies.map((r) => ({
      unitId: String(r.member), distanceKm: Number(r.distance),
      lat: Number(r.coordinates?.latitude), lon: Number(r.coordinates?.longitude),
    }));
  }

  nearest(capability: string, at: { lat: number; lon: number }, count: number): Promise<GeoHit[]> {
    return this.search(capability, at, { count });
  }

  within(capability: string, at: { lat: number; lon: number }, radiusKm: number): Promise<GeoHit[]> {
    return this.search(capability, at, { radius: radiusKm });
  }

  async position(unitId: string) {
    const [p] = await this.redis.geoPos(this.key('all'), unitId);
    return p ? { lat: Number(p.latitude), lon: Number(p.longitude) } : null;
  }

  async close(): Promise<void> {}
}
