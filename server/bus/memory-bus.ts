/** In-process bus for a single server process (the embedded default). */
import type { BusMessage } from '../protocol';
import { type Bus, type BusChannel, type BusHandler, safeCall } from './bus';

export class MemoryBus implements Bus {
  private readonly handlers = new Map<BusChannel, Set<BusHandler>>();

  constructor(private readonly onError: (err: unknown) => void = () => {}) {}

  async publish(channel: BusChannel, message: BusMessage): Promise<void> {
    // Delivered on a later tick, like a network bus, so publishers never re-enter listeners.
    const handlers = this.handlers.get(channel);
    if (!handlers) return;
    queueMicrotask(() => {
      for (const h of [...handlers]) safeCall(h, message, this.onError);
    });
  }

  async subscribe(channel: BusChannel, handler: BusHandler): Promise<() => Promise<void>> {
    let set = this.handlers.get(channel);
    if (!set) this.handlers.set(channel, (set = new Set()));
    set.add(handler);
    return async () => {
      set.delete(handler);
    };
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
