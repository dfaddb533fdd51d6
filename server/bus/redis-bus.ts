/**
 * Redis pub/sub bus shared by every server node of a deployment. A node's own messages reach
 * its own listeners straight away, in publish order, like the in-process bus; its copy coming
 * back from Redis is recognised by the bus instance's tag on the wire and dropped, so a node
 * does not parse and validate what it published itself (most of what a single node hears).
 */
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { busMessage, type BusMessage } from '../protocol';
import { type Bus, type BusChannel, type BusHandler, safeCall } from './bus';

type RedisClient = ReturnType<typeof createClient>;

export class RedisBus implements Bus {
  private readonly handlers = new Map<BusChannel, Set<BusHandler>>();
  /** Prefixes this instance's messages on the wire: `<tag> <json>`. */
  private readonly tag = randomBytes(6).toString('hex');

  private constructor(
    private readonly pub: RedisClient,
    private readonly sub: RedisClient,
    private readonly prefix: string,
    private readonly onError: (err: unknown) => void,
  ) {}

  static async connect(url: string, prefix: string, onError: (err: unknown) => void): Promise<RedisBus> {
    const pub = createClient({ url });
    const sub = pub.duplicate();
    pub.on('error', onError);
    sub.on('error', onError);
    await Promise.all([pub.connect(), sub.connect()]);
    return new RedisBus(pub, sub, prefix, onError);
  }

  async publish(channel: BusChannel, message: BusMessage): Promise<void> {
    const handlers = this.handlers.get(channel);
    if (handlers) {
      queueMicrotask(() => {
        for (const h of [...handlers]) safeCall(h, message, this.onError);
      });
    }
    await this.pub.publish(`${this.prefix}:bus:${channel}`, `${this.tag} ${JSON.stringify(message)}`);
  }

  async subscribe(channel: BusChannel, handler: BusHandler): Promise<() => Promise<void>> {
    let set = this.handlers.get(channel);
    if (!set) {
      this.handlers.set(channel, (set = new Set()));
      const handlers = set;
      await this.sub.subscribe(`${this.prefix}:bus:${channel}`, (raw) => {
        const space = raw.indexOf(' ');
        const tag = raw.startsWith('{') || space < 0 ? null : raw.slice(0, space);
        if (tag === this.tag) return;
        let parsed: BusMessage;
        try {
          const result = busMessage.safeParse(JSON.parse(tag === null ? raw : raw.slice(space + 1)));
          if (!result.success) throw new Error(`invalid bus message on ${channel}: ${result.error.issues[0]?.message}`);
          parsed = result.data;
        } catch (err) {
          this.onError(err);
          return;
        }
        for (const h of handlers) safeCall(h, parsed, this.onError);
      });
    }
    set.add(handler);
    return async () => {
      set.delete(handler);
    };
  }

  /** The underlying command client, shared with the Redis geo index. */
  get client(): RedisClient {
    return this.pub;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.sub.quit(), this.pub.quit()]);
  }
}
