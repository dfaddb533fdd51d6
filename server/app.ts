/**
 * The composition root: picks each port's implementation from the configuration
 * (PostgreSQL or PGlite, Redis or in-process bus and geo index) and wires the core, the
 * workers and the transports. `server/main.ts` runs it; tests build it in-process.
 */
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/env';
import { loadDemoCity } from '../config/seed';
import type { CitySeed } from '../config/seed/schema';
import { systemClock, type Clock } from './clock';
import { createLogger, type Logger } from './log';
import { CityModel } from './city';
import { openDatabase, type Database } from './store/db';
import { migrate } from './store/migrate';
import type { Bus } from './bus/bus';
import { MemoryBus } from './bus/memory-bus';
import { RedisBus } from './bus/redis-bus';
import { MemoryGeoIndex, type GeoIndex } from './units/geo-index';
import { RedisGeoIndex } from './units/redis-geo-index';
import { CommandPipeline } from './commands/pipeline';
import { AgentPresence } from './calls/presence';
import { handleCommand } from './commands/handle';
import { incidentKind } from './incidents/kind';
import { DISPATCHABLE_STATUSES, unitKind } from './units/kind';
import { TokenIssuer } from './auth/tokens';
import { SYSTEM_ACTOR, UserDirectory } from './auth/users';
import { ReadModel } from './read/queries';
import { LiveHub } from './live/hub';
import { attachWebSocket } from './live/ws-server';
import { AvlIngest } from './units/avl';
import { straightLineTravel } from './units/recommend';
import { TimerWorker } from './workers/timers';
import { OutboxWorker } from './workers/outbox';
import { createHttpHandler } from './http/routes';
import { createMetrics } from './metrics';
import { placeUnitsAtStations, seedUnits, sharedSecret } from './seed';
import type { Services } from './services';
import { PROTOCOL_VERSION } from './protocol';
import { MediaService, incidentRoomId, type MediaIncident } from '../media/MediaService';
import { registerMediaMetrics } from '../media/metrics';
import { mediaAccessKind, mediaViewKind } from './media-access/kind';
import { MediaAccess } from './media-access/access';
import { recordingSink } from './recordings/sink';
import { finishOrphanedRecordings } from './recordings/janitor';
import { RecordingPlayback } from './recordings/playback';
import { join } from 'node:path';
import { agentKind, callKind } from './calls/kind';
import { CallDistributor } from './calls/acd';
import { placeholderSipHandlers, sipBridgeHandlers } from './calls/effects';
import { startSipBridge } from './calls/sip-bridge';
import { LegRouter } from './calls/leg-routing';
import { callLoader } from './calls/media-access';
import { MediaRelay } from './calls/media-relay';
import { startSipEdge } from './sip-accounts/sip-edge';
import { registerSipBridgeMetrics, registerSipEdgeMetrics } from '../media/sip/metrics';

export interface AppOptions {
  config: Config;
  clock?: Clock;
  city?: CitySeed;
  logger?: Logger;
  /** Run the timer and outbox workers on an interval (default true; tests drive them by hand). */
  runWorkers?: boolean;
}


export async function createApp(opts: AppOptions) {
  const { config } = opts;
  const clock = opts.clock ?? systemClock;
  const log = opts.logger ?? createLogger(config.LOG_LEVEL, config.NODE_ID);
  const city = new CityModel(opts.city ?? loadDemoCity());
  const metrics = createMetrics(config.NODE_ID);
  const onBusError = (err: unknown) => log.warn({ err }, 'bus error');

  const db: Database = await openDatabase({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, dataDir: config.DATA_DIR, pool: config.DATABASE_POOL });
  const closers: (() => Promise<unknown>)[] = [() => db.close()];
  try {
    const applied = await migrate(db.sql);
    if (applied.length) log.info({ applied }, 'database migrated');
    let bus: Bus;
    let geo: GeoIndex;
    if (config.REDIS_URL) {
      const redisBus = await RedisBus.connect(config.REDIS_URL, config.REDIS_PREFIX, onBusError);
      bus = redisBus;
      geo = new RedisGeoIndex(redisBus.client, config.REDIS_PREFIX);
    } else {
      bus = new MemoryBus(onBusError);
      geo = new MemoryGeoIndex();
    }
    closers.unshift(() => bus.close());

    const pipeline = new CommandPipeline(db.sql, bus, clock, [incidentKind, unitKind(city), mediaAccessKind, mediaViewKind, callKind, agentKind], log.child({ component: 'pipeline' }), config.NODE_ID, metrics.pipeline);
    const secret = config.AUTH_SECRET ?? (await sharedSecret(db.sql, randomBytes(32).toString('hex')));
    const tokens = new TokenIssuer(secret, config.TOKEN_TTL_SEC, () => clock.now());
    const users = new UserDirectory(city.seed.users, config.DEMO_PASSWORD);
    const read = new ReadModel(db.sql, pipeline, city, geo, straightLineTravel(city), clock);
    const acd = new CallDistributor(db.sql, pipeline, [...new Set(city.seed.lines.map((l) => l.agencyId))], log.child({ component: 'acd' }));
    const hub = new LiveHub(bus, read, log.child({ component: 'hub' }), metrics.hub);
    const presence = new AgentPresence(pipeline, config.AGENT_PRESENCE_GRACE_SEC * 1000, log.child({ component: 'presence' }));
    const avl = new AvlIngest(db.sql, geo, bus, city, clock, log.child({ component: 'avl' }), {
      flushMs: config.AVL_FLUSH_MS, flushRows: config.AVL_FLUSH_ROWS, nodeId: config.NODE_ID, onAccepted: (n) => metrics.avlPositions.inc(n),
    });
    const access = new MediaAccess(db.sql, pipeline, read, clock, log.child({ component: 'media-access' }));
    const recordingsDir = config.RECORDINGS_DIR ?? join(config.DATA_DIR, 'recordings');
    const sink = recordingSink(pipeline, log.child({ component: 'recordings' }));
    const media = await MediaService.start({
      enabled: config.MEDIA_ENABLED, workers: config.MEDIA_WORKERS, rtcMinPort: config.MEDIA_RTC_MIN_PORT, rtcMaxPort: config.MEDIA_RTC_MAX_PORT,
      listenIp: config.MEDIA_LISTEN_IP, announcedIp: config.MEDIA_ANNOUNCED_IP,
    }, {
      loadIncident: async (actor, incidentId) => {
        const { incident, grantId } = await access.viewableIncident(actor, incidentId);
        return { ...incident, grantId };
      },
      loadCall: callLoader(pipeline),
      viewLog: {
        watch: (actor, key, incident, stream) => access.watch(actor, key, { incident, grantId: incident.grantId ?? null }, stream),
        watchCall: (actor, key, call, stream) => access.watch(actor, key, { call }, stream),
        leave: (actor, key) => access.leave(actor, key),
      },
      recording: config.MEDIA_RECORDING ? {
        settings: { dir: recordingsDir, ip: '127.0.0.1', minPort: config.MEDIA_RECORDING_MIN_PORT, maxPort: config.MEDIA_RECORDING_MAX_PORT },
        sink,
      } : undefined,
    }, log.child({ component: 'media' }));
    closers.unshift(() => media.close());
    const sip = await startSipEdge(config, db, secret, city.seed, log.child({ component: 'sip-edge' }));
    closers.unshift(() => sip.close());
    registerSipEdgeMetrics(metrics.registry, sip.edge);
    const callMediaListen = { ip: config.MEDIA_LISTEN_IP, announcedIp: config.MEDIA_ANNOUNCED_IP };
    const sipBridge = await startSipBridge(sip, config.SIP_DOMAIN, {
      city, media, listen: callMediaListen, log: log.child({ component: 'sip-bridge' }), nodeId: config.NODE_ID,
      execute: (actor, command) => handleCommand(pipeline, { city, users, seats: acd }, actor, command),
    });
    // Several nodes may share the edge: a call's effects go to the node holding its SIP leg.
    const legRouter = sipBridge ? new LegRouter({
      bus, nodeId: config.NODE_ID, holds: (callId) => sipBridge.leg(callId) !== undefined, log: log.child({ component: 'leg-routing' }),
      execute: (actor, command) => handleCommand(pipeline, { city, users, seats: acd }, actor, command),
    }) : null;
    // ... and a console's media signalling for a call room goes to the node holding the room.
    const mediaRelay = sipBridge ? new MediaRelay({
      bus, nodeId: config.NODE_ID, media, holds: (callId) => sipBridge.leg(callId) !== undefined, log: log.child({ component: 'media-relay' }),
    }) : null;
    if (sipBridge && legRouter && mediaRelay) {
      closers.unshift(() => sipBridge.stop());
      await legRouter.start();
      closers.unshift(() => legRouter.stop());
      await mediaRelay.start();
      closers.unshift(() => mediaRelay.stop());
      media.routeSessions((local, send) => mediaRelay.wrap(local, send));
      registerSipBridgeMetrics(metrics.registry, sipBridge, mediaRelay);
    }
    registerMediaMetrics(metrics.registry, media);
    const timers = new TimerWorker(db.sql, pipeline, clock, log.child({ component: 'timers' }), () => metrics.timersFired.inc());
    const outbox = new OutboxWorker(db.sql, {
      ...(sipBridge && legRouter ? sipBridgeHandlers(sipBridge, media, callMediaListen, log.child({ component: 'calls' }), legRouter) : placeholderSipHandlers(log.child({ component: 'calls' }))),
      'unit.notify': async (p) => bus.publish('notifications', {
        type: 'unit.notification', node: config.NODE_ID, unitId: String(p.unitId), incidentId: (p.incidentId as string) ?? null,
        kind: String(p.kind), at: clock.now().toISOString(),
      }),
      // Idempotent both ways. Rows run in id order, so an incident's close follows its open.
      // (Handlers run inside the outbox transaction: no queries here, PGlite has one connection.)
      'media.room.open': async (p) => void (await media.openRoom(incidentRoomId(String(p.incidentId)))),
      'media.room.close': async (p) => media.closeRoom(incidentRoomId(String(p.incidentId))),
    }, clock, log.child({ component: 'outbox' }), (action, outcome) => metrics.outboxDone.inc({ action, outcome }));

    // Dispatchable units are indexed by capability; every node follows unit events.
    await bus.subscribe('events', (m) => {
      if (m.type !== 'event.committed') return;
      // The outbox closes an ended incident's room on one node; every node follows here, and
      // sends away crews released from the incident.
      if (m.event.streamType === 'incident') {
        media.followIncident(m.event.view as unknown as MediaIncident).catch((err) => log.warn({ err }, 'media room update failed'));
      }
      // A grant that expired or was revoked sends its grantee out of the room.
      if (m.event.streamType === 'media_access' && m.event.type !== 'media.access.granted') {
        media.recheckViewers(incidentRoomId(m.event.streamId)).catch((err) => log.warn({ err }, 'media viewer re-check failed'));
      }
      if (m.event.streamType !== 'unit') return;
      const view = m.event.view;
      geo.setEligible(m.event.streamId, DISPATCHABLE_STATUSES.includes(String(view.status)) ? (view.capabilities as string[]) : null)
        .catch((err) => log.warn({ err }, 'geo eligibility update failed'));
    });
    if (config.SEED_DEMO) {
      const seeded = await seedUnits(db.sql, pipeline, city);
      if (seeded) log.info({ units: seeded }, 'demo city units registered');
    }
    for (const u of await read.units(SYSTEM_ACTOR)) {
      await geo.setEligible(String(u.id), DISPATCHABLE_STATUSES.includes(String(u.status)) ? (u.capabilities as string[]) : null);
    }
    await placeUnitsAtStations(city, geo);
    // A restart restores the rooms of every open incident.
    if (media.available) {
      for (const incident of await read.openIncidents(SYSTEM_ACTOR)) await media.openRoom(incidentRoomId(incident.id));
    }
    await hub.start();
    await acd.start(bus);
    // Recordings an earlier run left open: finished now, and again while files still settle
    // (a recorder outliving a crash ends itself within about 10 s).
    let orphanRecheck: NodeJS.Timeout | undefined;
    let rechecks = 0;
    const finishOrphans = async (): Promise<void> => {
      try {
        const n = await finishOrphanedRecordings(db.sql, recordingsDir, sink, log.child({ component: 'recordings' }));
        if (n.stored || n.failed) log.info(n, 'recordings left open by an earlier run finished');
        if (n.waiting && rechecks++ < 12) orphanRecheck = setTimeout(() => void finishOrphans(), 5_000).unref();
      } catch (err) {
        log.warn({ err }, 'finishing recordings left open failed');
      }
    };
    await finishOrphans();
    const playback = new RecordingPlayback(recordingsDir, secret, access, read, clock);

    const services: Services = {
      nodeId: config.NODE_ID, city, tokens, users, read, avl, metrics, media, access, playback, presence,
      clientConfig: { mapTileUrl: config.MAP_TILE_URL ?? null, mapAttribution: config.MAP_ATTRIBUTION, protocolVersion: PROTOCOL_VERSION },
      execute: (actor, command) => handleCommand(pipeline, { city, users, seats: acd }, actor, command),
      async health() {
        const checks: Record<string, string> = {};
        try {
          await db.sql`SELECT 1`;
          checks.database = `ok (${db.kind})`;
        } catch (err) {
          checks.database = `down: ${String(err)}`;
        }
        checks.bus = config.REDIS_URL ? 'redis' : 'in-process';
        checks.media = media.available ? `ok (${media.pool?.live().length ?? 0} workers, ${media.allRooms().length} rooms)` : `unavailable: ${media.unavailableReason ?? 'stopping'}`;
        checks.sip = sip.edge.describe();
        checks.recording = media.recorder ? `ok (${media.recorder.activeCount} recording)` : config.MEDIA_RECORDING ? 'off: ffmpeg or the media plane is missing' : 'off (MEDIA_RECORDING=false)';
        return { ok: !checks.database.startsWith('down'), checks };
      },
    };

    const server: Server = createServer(createHttpHandler(services, log.child({ component: 'http' })));
    const wss = attachWebSocket(server, services, hub, log);
    const loops: NodeJS.Timeout[] = [];
    /** A worker run every poll interval, one run at a time (a tick during a run asks for one more right after). */
    const loop = (name: string, fn: () => Promise<number>) => {
      let running = false;
      let again = false;
      const run = () => {
        if (running) {
          again = true;
          return;
        }
        running = true;
        fn().catch((err) => log.error({ err }, `${name} worker failed`)).finally(() => {
          running = false;
          if (again) {
            again = false;
            setImmediate(run);
          }
        });
      };
      loops.push(setInterval(run, config.WORKER_POLL_MS));
    };

    return {
      config, clock, log, city, db, bus, geo, pipeline, read, hub, avl, timers, outbox, tokens, users, services, server, media, access, playback, recordingsDir, sip, sipBridge, legRouter, mediaRelay, acd,
      async start(): Promise<{ port: number }> {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(config.PORT, config.HOST, () => resolve());
        });
        if (opts.runWorkers !== false) {
          loop('timer', () => timers.runOnce());
          loop('outbox', () => outbox.runOnce());
          // A commit's effects run as soon as it commits (claimed like a poll claims them);
          // the worker's poll runs what that missed and retries what failed.
          pipeline.effectsCommitted = (effects) => void outbox.runNow(effects.map((e) => e.id))
            .catch((err) => log.warn({ err }, 'running effects at commit failed; the outbox worker runs them'));
          // A lost bus message must not leave a caller waiting: the queues are swept every few seconds.
          loops.push(setInterval(() => void acd.sweep().catch((err) => log.warn({ err }, 'ACD sweep failed')), 5_000));
        }
        const port = (server.address() as AddressInfo).port;
        log.info({ port, host: config.HOST, database: db.kind, bus: config.REDIS_URL ? 'redis' : 'in-process' }, 'beacon listening');
        return { port };
      },
      async stop(): Promise<void> {
        pipeline.effectsCommitted = null;
        loops.forEach(clearInterval);
        clearTimeout(orphanRecheck);
        for (const client of wss.clients) client.terminate();
        wss.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await avl.close();
        await hub.stop();
        await acd.stop();
        presence.close();
        for (const close of closers) await close().catch((err) => log.warn({ err }, 'close failed'));
      },
    };
  } catch (err) {
    for (const close of closers) await close().catch(() => {});
    throw err;
  }
}

export type App = Awaited<ReturnType<typeof createApp>>;
