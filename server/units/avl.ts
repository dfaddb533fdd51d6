/**
 * AVL ingest: validated position batches update the geo index at once and the breadcrumb trail
 * in PostgreSQL in batches. A report is acknowledged only after the batch holding it is
 * written, so an accepted position is never lost; many reports share one write.
 */
import type { Actor, AvlPosition } from '../protocol';
import { LIMITS } from '../protocol';
import { NotAuthorized, NotFound, ValidationError } from '../errors';
import type { Bus } from '../bus/bus';
import type { Clock } from '../clock';
import type { CityModel } from '../city';
import type { Logger } from '../log';
import type { Sql } from '../store/db';
import type { GeoIndex } from './geo-index';

interface Waiting {
  rows: AvlPosition[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class AvlIngest {
  private queue: Waiting[] = [];
  private queuedRows = 0;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly sql: Sql,
    private readonly geo: GeoIndex,
    private readonly bus: Bus,
    private readonly city: CityModel,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: { flushMs: number; flushRows: number; nodeId: string; onAccepted?: (n: number) => void },
  ) {}

  /** Checks every position; the whole batch is refused, naming the first bad entry. */
  validate(actor: Actor, positions: AvlPosition[]): void {
    const now = this.clock.now().getTime();
    positions.forEach((p, i) => {
      const unit = this.city.units.get(p.unitId);
      if (!unit) throw new NotFound(`positions[${i}].unitId: unit ${p.unitId} does not exist`);
      const t = Date.parse(p.at);
      if (t > now + LIMITS.avlMaxFutureSkewSec * 1000) throw new ValidationError(`positions[${i}].at: ${p.at} is in the future`);
      if (t < now - LIMITS.avlMaxAgeSec * 1000) throw new ValidationError(`positions[${i}].at: ${p.at} is older than ${LIMITS.avlMaxAgeSec} s`);
      if (actor.role === 'field_unit' && actor.unitId !== p.unitId) {
        throw new NotAuthorized(`positions[${i}].unitId: ${actor.username} may only report its own unit`);
      }
      if (!['field_unit', 'dispatcher', 'supervisor', 'system'].includes(actor.role)) {
        throw new NotAuthorized(`role ${actor.role} may not report positions`);
      }
      if (actor.role === 'dispatcher' && unit.agencyId !== actor.agencyId) {
        throw new NotAuthorized(`positions[${i}].unitId: ${p.unitId} belongs to agency ${unit.agencyId}`);
      }
    });
  }

  /** Resolves when the positions are durable in the trail. */
  async ingest(actor: Actor, positions: AvlPosition[]): Promise<number> {
    this.validate(actor, positions);
    const latest = new Map<string, AvlPosition>();
    for (const p of positions) {
      const prev = latest.get(p.unitId);
      if (!prev || Date.parse(prev.at) <= Date.parse(p.at)) latest.set(p.unitId, p);
    }
    await this.geo.update([...latest.values()]);
    this.bus.publish('positions', {
      type: 'unit.positions', node: this.opts.nodeId,
      positions: [...latest.values()].map((p) => ({ ...p, districtId: this.city.units.get(p.unitId)?.homeDistrictId ?? null })),
    }).catch((err) => this.log.warn({ err }, 'position fan-out failed'));
    await new Promise<void>((resolve, reject) => {
      this.queue.push({ rows: positions, resolve, reject });
      this.queuedRows += positions.length;
      if (this.queuedRows >= this.opts.flushRows) this.flushSoon(0);
      else this.flushSoon(this.opts.flushMs);
    });
    this.opts.onAccepted?.(positions.length);
    return positions.length;
  }

  private flushSoon(delay: number): void {
    if (this.timer && delay > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, delay);
  }

  /** Writes everything queued so far (in order with earlier flushes). */
  flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    this.queuedRows = 0;
    this.flushing = this.flushing.then(() => this.write(batch));
    return this.flushing;
  }

  private async write(batch: Waiting[]): Promise<void> {
    if (batch.length === 0) return;
    const rows = batch.flatMap((w) => w.rows).map((p) => ({
      unit_id: p.unitId, at: p.at, lat: p.lat, lon: p.lon, heading: p.heading ?? null, speed_kmh: p.speedKmh ?? null, accuracy_m: p.accuracyM ?? null,
    }));
    try {
      await this.sql`INSERT INTO unit_positions (unit_id, at, lat, lon, heading, speed_kmh, accuracy_m)
        SELECT unit_id, at, lat, lon, heading, speed_kmh, accuracy_m FROM jsonb_to_recordset(${this.sql.json(rows as never)})
          AS x(unit_id text, at timestamptz, lat double precision, lon double precision, heading real, speed_kmh real, accuracy_m real)
        ON CONFLICT (unit_id, at) DO NOTHING`;
      batch.forEach((w) => w.resolve());
    } catch (err) {
      this.log.error({ err, rows: rows.length }, 'AVL trail write failed');
      batch.forEach((w) => w.reject(err));
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }
}
