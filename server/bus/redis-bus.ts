/** Redis pub/sub bus shared by every server node of a deployment. */
import { createClient } from 'redis';
import { busMessage, type BusMessage } from '../protocol';
import { type Bus, type BusChannel, type BusHandler, safeCall } from './bus';

type RedisClient = ReturnType<typeof createClient>;

export class RedisBus implements Bus {
  private readonly handlers = new Map<BusChannel, Set<BusHandler>>();

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
    await this.pub.publish(`${this.prefix}:bus:${channel}`, JSON.stringify(message));
  }

  async subscribe(channel: BusChannel, handler: BusHandler): Promise<() => Promise<void>> {
    let set = this.handlers.get(channel);
    if (!set) {
      this.handlers.set(channel, (set = new Set()));
      const handlers = set;
      await this.sub.subscribe(`${this.prefix}:bus:${channel}`, (raw) => {
        let parsed: BusMessage;
        try {
          const result = busMessage.safeParse(JSON.parse(raw));
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
