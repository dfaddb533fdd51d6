/**
 * Live fan-out latency: one server (PostgreSQL + Redis), 50 WebSocket sessions subscribed to
 * `queue:police`, a police dispatcher creating and annotating incidents at a steady pace. For
 * every event and subscriber: time from the command's acknowledgement to the frame's arrival.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { createApp } from '../../server/app';
import { PROTOCOL_VERSION, type Command, type ServerFrame } from '../../server/protocol';
import { testConfig } from '../support/env';
import { between, pick, sleep, summarize, type LatencySummary } from './stats';
import { cleanUpServer } from './teardown';

const SUBSCRIBERS = 50;
const FEED = 'queue:police';
const RATE_PER_SEC = 20;
const WARMUP_COMMANDS = 20;
const COMMANDS = 200;
const DRAIN_MS = 5000;

export interface FanoutResult {
  subscribers: number;
  commands: number;
  ratePerSec: number;
  expected: number;
  delivered: number;
  /** Frames that arrived before the command's acknowledgement (counted as 0 ms). */
  beforeAck: number;
  latency: LatencySummary;
}

/** A subscriber that only timestamps raw frames; parsing waits until the run is over. */
class Subscriber {
  readonly arrivals: [number, Buffer][] = [];

  private constructor(private readonly ws: WebSocket) {}

  static async open(port: number, token: string): Promise<Subscriber> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    const reply = (want: string) => new Promise<ServerFrame>((resolve, reject) => {
      const onMessage = (data: Buffer) => {
        const frame = JSON.parse(data.toString()) as ServerFrame;
        if (frame.type !== want && frame.type !== 'error') return;
        ws.off('message', onMessage);
        if (frame.type === 'error') reject(new Error(`${frame.code}: ${frame.message}`));
        else resolve(frame);
      };
      ws.on('message', onMessage);
    });
    const welcome = reply('welcome');
    ws.send(JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION, token }));
    await welcome;
    const subscribed = reply('subscribed');
    ws.send(JSON.stringify({ type: 'subscribe', feed: FEED }));
    await subscribed;
    const sub = new Subscriber(ws);
    ws.on('message', (data: Buffer) => sub.arrivals.push([performance.now(), data]));
    return sub;
  }

  /** Arrival time of each feed event, keyed `commandId/streamId/version`. */
  events(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [at, data] of this.arrivals) {
      const frame = JSON.parse(data.toString()) as ServerFrame;
      if (frame.type === 'feed.event' && frame.feed === FEED) {
        out.set(`${frame.event.commandId}/${frame.event.streamId}/${frame.event.version}`, at);
      }
    }
    return out;
  }

  close(): void {
    this.ws.terminate();
  }
}

function policeCommand(incidents: string[]): Command {
  const commandId = randomUUID().replaceAll('-', '');
  if (incidents.length === 0 || Math.random() < 0.7) {
    return {
      type: 'incident.create', commandId, incidentType: 'theft', priority: 3,
      location: { lat: between(30.22, 30.30), lon: between(120.10, 120.22) }, description: 'fan-out benchmark call',
    };
  }
  return { type: 'incident.note', commandId, incidentId: pick(incidents), text: 'fan-out benchmark note' };
}

export async function runFanoutBench(progress: (line: string) => void): Promise<FanoutResult> {
  const config = testConfig('postgres', { LOG_LEVEL: 'silent' });
  const app = await createApp({ config, runWorkers: true });
  const subscribers: Subscriber[] = [];
  try {
    const { port } = await app.start();
    const tokens = ['dispatcher.police', 'supervisor.police'].map((u) => app.tokens.issue(app.users.find(u)!).token);
    for (let i = 0; i < SUBSCRIBERS; i++) subscribers.push(await Subscriber.open(port, tokens[i % tokens.length]!));
    progress(`fanout: ${SUBSCRIBERS} subscribers on ${FEED}; ${WARMUP_COMMANDS + COMMANDS} commands at ${RATE_PER_SEC}/s`);

    const dispatcher = app.users.find('dispatcher.police')!;
    const incidents: string[] = [];
    const acks = new Map<string, number>();
    const expectedKeys: string[] = [];
    const started = performance.now();
    for (let i = 0; i < WARMUP_COMMANDS + COMMANDS; i++) {
      await sleep(Math.max(0, started + (i * 1000) / RATE_PER_SEC - performance.now()));
      const cmd = policeCommand(incidents);
      const result = await app.services.execute(dispatcher, cmd);
      acks.set(cmd.commandId, performance.now());
      if (result.createdId) incidents.push(result.createdId);
      if (i < WARMUP_COMMANDS) continue;
      for (const e of result.events) expectedKeys.push(`${cmd.commandId}/${e.streamId}/${e.version}`);
    }
    const expected = expectedKeys.length * SUBSCRIBERS;
    const deadline = performance.now() + DRAIN_MS;
    const lastKey = expectedKeys.at(-1)!;
    while (performance.now() < deadline && !subscribers.every((s) => s.events().has(lastKey))) await sleep(100);

    const latencies: number[] = [];
    let beforeAck = 0;
    for (const sub of subscribers) {
      const arrived = sub.events();
      for (const key of expectedKeys) {
        const at = arrived.get(key);
        if (at === undefined) continue;
        const latency = at - acks.get(key.split('/')[0]!)!;
        if (latency < 0) beforeAck++;
        latencies.push(Math.max(0, latency));
      }
    }
    const latency = summarize(latencies);
    progress(`fanout: ${latencies.length}/${expected} frames, p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms`);
    return {
      subscribers: SUBSCRIBERS, commands: COMMANDS, ratePerSec: RATE_PER_SEC, expected, delivered: latencies.length, beforeAck, latency,
    };
  } finally {
    subscribers.forEach((s) => s.close());
    await app.stop();
    await cleanUpServer(config);
  }
}
