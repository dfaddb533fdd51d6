/**
 * Small shared state of the console that is not server data: what the dispatcher has
 * selected, a one-second clock for timers, the live connection state as a hook.
 */
import { useCallback, useRef, useSyncExternalStore } from 'react';
import type { LiveClient, LiveState } from '../lib/live';
import type { Store } from '../lib/stores';

/** One value that components watch (`useObservable`). */
export class Observable<T> {
  private readonly listeners = new Set<() => void>();
  constructor(private value: T) {}

  get(): T {
    return this.value;
  }

  set(next: T): void {
    if (Object.is(next, this.value)) return;
    this.value = next;
    for (const l of this.listeners) l();
  }

  update(fn: (v: T) => T): void {
    this.set(fn(this.value));
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}

/** The current value of an observable, re-rendering on change. */
export function useObservable<T>(o: Observable<T>): T {
  return useSyncExternalStore(o.subscribe, () => o.get());
}

/** What the dispatcher is working on. */
export interface Selection {
  incidentId: string | null;
  unitId: string | null;
}

/** A request to pick a point on the map (the create form's crosshair). */
export type MapPick = ((p: { lat: number; lon: number }) => void) | null;

const clock = new Observable<number>(Date.now());
let clockTimer: ReturnType<typeof setInterval> | null = null;
let clockUsers = 0;

/** Milliseconds since the epoch, re-rendering once a second; every timer ticks together. */
export function useNow(): number {
  return useSyncExternalStore(subscribeClock, () => clock.get());
}

function subscribeClock(l: () => void): () => void {
  const off = clock.subscribe(l);
  if (clockUsers++ === 0) {
    clock.set(Date.now());
    clockTimer = setInterval(() => clock.set(Date.now()), 1000);
  }
  return () => {
    off();
    if (--clockUsers === 0 && clockTimer) clearInterval(clockTimer);
  };
}

/** The connection state; anything but `live` means the data on screen may be stale. */
export function useLiveState(live: LiveClient): LiveState {
  const subscribe = useCallback((l: () => void) => live.onState(l), [live]);
  return useSyncExternalStore(subscribe, () => live.state);
}

/** True while the user is typing into a field (global shortcuts stay out of the way). */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/**
 * A value derived from a store that re-renders only when it really changes (by `isEqual`):
 * the unit board need not redraw for every burst of positions. `select` must depend on the
 * store alone (derive props-dependent views from its result with useMemo).
 */
export function useStoreSelector<T, R>(store: Store<T>, select: (store: Store<T>) => R, isEqual: (a: R, b: R) => boolean): R {
  const cache = useRef<{ version: number; value: R } | null>(null);
  const getSnapshot = () => {
    const c = cache.current;
    if (c && c.version === store.version) return c.value;
    const next = select(store);
    if (c && isEqual(c.value, next)) {
      c.version = store.version;
      return c.value;
    }
    cache.current = { version: store.version, value: next };
    return next;
  };
  return useSyncExternalStore(store.subscribe, getSnapshot);
}

/** Element-wise shallow equality of two lists of flat records. */
export function sameRows<R extends object>(a: readonly R[], b: readonly R[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! as Record<string, unknown>;
    const y = b[i]! as Record<string, unknown>;
    for (const k in x) if (x[k] !== y[k]) return false;
  }
  return true;
}
