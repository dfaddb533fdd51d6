/**
 * Redis GEO implementation: `<prefix>:geo:all` holds every unit's latest position,
 * `<prefix>:geo:cap:<capability>` the dispatchable units with that capability, and the hash
 * `<prefix>:geo:eligible` each dispatchable unit's capabilities.
 */
import type { createClient } from 'redis';
import type { GeoHit, GeoIndex } from './geo-index';

type RedisClient = ReturnType<typeof createClient>;

export class RedisGeoIndex implements GeoIndex {
  constructor(private readonly redis: RedisClient, private readonly prefix: string) {}

  private key(part: string): string {
    return `${this.prefix}:geo:${part}`;
  }

  async update(positions: { unitId: string; lat: number; lon: number }[]): Promise<void> {
    if (positions.length === 0) return;
    const latest = new Map(positions.map((p) => [p.unitId, p]));
    const ids = [...latest.keys()];
    const caps = await this.redis.hmGet(this.key('eligible'), ids);
    const multi = this.redis.multi();
    multi.geoAdd(this.key('all'), [...latest.values()].map((p) => ({ member: p.unitId, longitude: p.lon, latitude: p.lat })));
    ids.forEach((id, i) => {
      const p = latest.get(id)!;
      for (const cap of caps[i] ? String(caps[i]).split(',') : []) {
        multi.geoAdd(this.key(`cap:${cap}`), { member: id, longitude: p.lon, latitude: p.lat });
      }
    });
    await multi.exec();
  }

  async setEligible(unitId: string, capabilities: string[] | null): Promise<void> {
    const previous = await this.redis.hGet(this.key('eligible'), unitId);
    const multi = this.redis.multi();
    for (const cap of previous ? previous.split(',') : []) multi.zRem(this.key(`cap:${cap}`), unitId);
    if (!capabilities || capabilities.length === 0) {
      multi.hDel(this.key('eligible'), unitId);
      await multi.exec();
      return;
    }
    multi.hSet(this.key('eligible'), unitId, capabilities.join(','));
    await multi.exec();
    const pos = await this.position(unitId);
    if (pos) {
      const add = this.redis.multi();
      for (const cap of capabilities) add.geoAdd(this.key(`cap:${cap}`), { member: unitId, longitude: pos.lon, latitude: pos.lat });
      await add.exec();
    }
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
