/**
 * A small typed event emitter whose listeners are called through a guard: a listener that
 * throws is logged and the others still run, so one bad subscriber never takes the media
 * plane down (mediasoup's own `safeEmit` does the same).
 */
export type EventMap = Record<string, unknown[]>;
type Listener<A extends unknown[]> = (...args: A) => void;
// Stored untyped; `on` and `emit` keep each event's arguments typed.
type AnyListener = (...args: unknown[]) => void;

export class GuardedEmitter<E extends EventMap> {
  private readonly listeners = new Map<keyof E, Set<AnyListener>>();

  /** @param onListenerError told about every listener failure (log it). */
  constructor(private readonly onListenerError: (err: unknown, event: string) => void) {}

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof E & string>(event: K, listener: Listener<E[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as unknown as AnyListener);
    return () => {
      set.delete(listener as unknown as AnyListener);
    };
  }

  protected emit<K extends keyof E & string>(event: K, ...args: E[K]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        listener(...args);
      } catch (err) {
        this.onListenerError(err, event);
      }
    }
  }

  protected removeAllListeners(): void {
    this.listeners.clear();
  }
}
