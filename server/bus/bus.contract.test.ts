/**
 * The bus contract: whatever carries committed events between nodes (in-process or Redis
 * pub/sub), a dispatcher's desk hears every commit on its channel, one broken listener does
 * not silence the others, and a desk that hung up hears nothing more. Redis adds what only a
 * network bus can do: two nodes hear each other, and garbage on the wire is reported, not relayed.
 */
import { createClient } from 'redis';
import type { BusMessage } from '../protocol';
import type { Bus, BusChannel } from './bus';
import { MemoryBus } from './memory-bus';
import { RedisBus } from './redis-bus';
import { REAL_REDIS_URL, uniqueName } from '../../tests/support/env';

type MakeBus = (onError: (err: unknown) => void) => Promise<Bus>;

const SYSTEM = { id: 'system', username: 'system', role: 'system' as const, agencyId: null, jurisdiction: 'city', unitId: null };

function committed(streamId: string, version = 1): BusMessage {
  return {
    type: 'event.committed', node: 'node-a', feeds: [{ feed: 'queue:police', seq: version }],
    event: {
      id: version, streamType: 'incident', streamId, version, type: 'incident.created', payload: { priority: 2 },
      state: 'pending', view: { id: streamId }, actor: SYSTEM, at: '2025-01-01T08:00:00.000Z', commandId: `cmd-${streamId}-${version}`,
    },
  };
}

const positions = (unitId: string): BusMessage => ({
  type: 'unit.positions', node: 'node-a', positions: [{ unitId, lat: 30.25, lon: 120.16, at: '2025-01-01T08:00:00.000Z', districtId: null }],
});

/** Records what a listener hears and lets a test wait for a particular message. */
class Listener {
  readonly heard: BusMessage[] = [];
  private waiters: { pred: (m: BusMessage) => boolean; resolve: () => void }[] = [];

  readonly handle = (m: BusMessage): void => {
    this.heard.push(m);
    this.waiters = this.waiters.filter((w) => (w.pred(m) ? (w.resolve(), false) : true));
  };

  hears(pred: (m: BusMessage) => boolean, timeoutMs = 3000): Promise<void> {
    if (this.heard.some(pred)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not heard within ${timeoutMs} ms; heard ${JSON.stringify(this.heard)}`)), timeoutMs);
      this.waiters.push({ pred, resolve: () => { clearTimeout(timer); resolve(); } });
    });
  }
}

const isIncident = (id: string) => (m: BusMessage) => m.type === 'event.committed' && m.event.streamId === id;

function busContract(name: string, makeBus: MakeBus): void {
  describe(`${name} bus contract`, () => {
    let bus: Bus;
    let errors: unknown[];

    beforeEach(async () => {
      errors = [];
      bus = await makeBus((err) => errors.push(err));
    });
    afterEach(() => bus.close());

    /** Publishes a marker on the channel and waits for it, so anything sent before it has arrived. */
    async function settle(channel: BusChannel): Promise<void> {
      const marker = new Listener();
      const off = await bus.subscribe(channel, marker.handle);
      const id = uniqueName('MARK');
      await bus.publish(channel, channel === 'events' ? committed(id) : positions(id));
      await marker.hears((m) => (m.type === 'event.committed' ? m.event.streamId : m.type === 'unit.positions' ? m.positions[0]?.unitId : null) === id);
      await off();
    }

    test('a committed event reaches every desk on the channel, and no desk on another channel', async () => {
      const queueConsole = new Listener();
      const mapConsole = new Listener();
      const unitsConsole = new Listener();
      await bus.subscribe('events', queueConsole.handle);
      await bus.subscribe('events', mapConsole.handle);
      await bus.subscribe('positions', unitsConsole.handle);

      await bus.publish('events', committed('INC-1'));
      await Promise.all([queueConsole.hears(isIncident('INC-1')), mapConsole.hears(isIncident('INC-1'))]);
      expect(queueConsole.heard).toEqual([committed('INC-1')]);
      expect(mapConsole.heard).toEqual([committed('INC-1')]);

      await settle('positions');
      expect(unitsConsole.heard.filter(isIncident('INC-1'))).toEqual([]);
    });

    test('commits arrive in the order they were published', async () => {
      const desk = new Listener();
      await bus.subscribe('events', desk.handle);
      for (let v = 1; v <= 5; v++) await bus.publish('events', committed('INC-2', v));
      await desk.hears((m) => m.type === 'event.committed' && m.event.version === 5);
      expect(desk.heard.map((m) => (m.type === 'event.committed' ? m.event.version : 0))).toEqual([1, 2, 3, 4, 5]);
    });

    test('a desk that throws is reported, and the consoles after it still hear the event', async () => {
      const before = new Listener();
      const after = new Listener();
      await bus.subscribe('events', before.handle);
      await bus.subscribe('events', () => { throw new Error('map layer crashed'); });
      await bus.subscribe('events', after.handle);

      await bus.publish('events', committed('INC-3'));
      await Promise.all([before.hears(isIncident('INC-3')), after.hears(isIncident('INC-3'))]);
      expect(errors).toEqual([expect.objectContaining({ message: 'map layer crashed' })]);

      await bus.publish('events', committed('INC-3', 2));
      await after.hears((m) => m.type === 'event.committed' && m.event.version === 2);
      expect(errors).toHaveLength(2);
    });

    test('a desk that unsubscribed hears nothing more, while others still do', async () => {
      const leaving = new Listener();
      const staying = new Listener();
      const off = await bus.subscribe('events', leaving.handle);
      await bus.subscribe('events', staying.handle);
      await bus.publish('events', committed('INC-4'));
      await leaving.hears(isIncident('INC-4'));

      await off();
      await bus.publish('events', committed('INC-5'));
      await staying.hears(isIncident('INC-5'));
      await settle('events');
      expect(leaving.heard).toEqual([committed('INC-4')]);
    });

    test('positions and notifications travel on their own channels', async () => {
      const map = new Listener();
      const crews = new Listener();
      await bus.subscribe('positions', map.handle);
      await bus.subscribe('notifications', crews.handle);
      const notice: BusMessage = { type: 'unit.notification', node: 'node-a', unitId: 'P-101', incidentId: 'INC-6', kind: 'dispatch', at: '2025-01-01T08:00:00.000Z' };
      await bus.publish('positions', positions('P-101'));
      await bus.publish('notifications', notice);
      await Promise.all([map.hears((m) => m.type === 'unit.positions'), crews.hears((m) => m.type === 'unit.notification')]);
      expect(map.heard).toEqual([positions('P-101')]);
      expect(crews.heard).toEqual([notice]);
    });
  });
}

busContract('in-process', async (onError) => new MemoryBus(onError));

describe('Redis', () => {
  const connect = (prefix: string, onError: (err: unknown) => void) => RedisBus.connect(REAL_REDIS_URL, prefix, onError);

  // Pub/sub leaves no keys behind; a fresh prefix per test keeps suites from hearing each other.
  busContract('Redis', (onError) => connect(uniqueName('beacon-bus-test'), onError));

  describe('between server nodes', () => {
    const prefix = uniqueName('beacon-bus-test');
    let nodeA: RedisBus;
    let nodeB: RedisBus;
    const errorsA: unknown[] = [];
    const errorsB: unknown[] = [];

    beforeAll(async () => {
      nodeA = await connect(prefix, (e) => errorsA.push(e));
      nodeB = await connect(prefix, (e) => errorsB.push(e));
    });
    afterAll(async () => {
      await nodeA?.close();
      await nodeB?.close();
    });

    test('a commit on one node is heard on the other, and the other way round', async () => {
      const onA = new Listener();
      const onB = new Listener();
      await nodeA.subscribe('events', onA.handle);
      await nodeB.subscribe('events', onB.handle);
      await nodeA.publish('events', committed('INC-A'));
      await nodeB.publish('events', committed('INC-B'));
      await Promise.all([onA.hears(isIncident('INC-B')), onB.hears(isIncident('INC-A'))]);
      // Each node also hears its own commits (the hub relies on one path for both), once: its
      // copy coming back from Redis is dropped. A marker from B sent after them has reached A
      // through Redis on the connection A's echo would have come by, so that echo would have too.
      await Promise.all([onA.hears(isIncident('INC-A')), onB.hears(isIncident('INC-B'))]);
      await nodeB.publish('events', committed('INC-MARK'));
      await onA.hears(isIncident('INC-MARK'));
      expect(onA.heard.filter(isIncident('INC-A'))).toHaveLength(1);
    });

    test('a deployment with another prefix does not hear this one', async () => {
      const elsewhere = await connect(uniqueName('beacon-bus-test'), () => {});
      try {
        const stranger = new Listener();
        const local = new Listener();
        await elsewhere.subscribe('events', stranger.handle);
        await nodeB.subscribe('events', local.handle);
        await nodeA.publish('events', committed('INC-PRIVATE'));
        await local.hears(isIncident('INC-PRIVATE'));
        await elsewhere.publish('events', committed('INC-ELSEWHERE'));
        await stranger.hears(isIncident('INC-ELSEWHERE'));
        expect(stranger.heard.filter(isIncident('INC-PRIVATE'))).toEqual([]);
      } finally {
        await elsewhere.close();
      }
    });

    test('garbage published on the channel is reported to onError and never reaches a desk', async () => {
      const desk = new Listener();
      await nodeB.subscribe('notifications', desk.handle);
      const raw = createClient({ url: REAL_REDIS_URL });
      await raw.connect();
      try {
        const before = errorsB.length;
        await raw.publish(`${prefix}:bus:notifications`, '{"type": "unit.notification", "unit');
        await raw.publish(`${prefix}:bus:notifications`, JSON.stringify({ type: 'incident.exploded', node: 'x' }));
        await raw.publish(`${prefix}:bus:notifications`, JSON.stringify({ type: 'unit.notification', node: 'x', unitId: 'P-101' }));
        const good: BusMessage = { type: 'unit.notification', node: 'x', unitId: 'P-101', incidentId: null, kind: 'dispatch', at: '2025-01-01T08:00:00.000Z' };
        await raw.publish(`${prefix}:bus:notifications`, JSON.stringify(good));
        await desk.hears((m) => m.type === 'unit.notification');
        expect(desk.heard).toEqual([good]);
        expect(errorsB.length - before).toBe(3);
        expect(String(errorsB.at(-1))).toMatch(/invalid bus message on notifications/);
      } finally {
        await raw.quit();
      }
    });
  });
});
