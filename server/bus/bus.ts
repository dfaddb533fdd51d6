/**
 * The bus carries committed events, positions and notifications between server nodes:
 * Redis pub/sub when REDIS_URL is set, in-process otherwise. Delivery is best effort; the
 * live hub fills any gap from the database, so a lost bus message delays but never loses.
 */
import type { BusMessage } from '../protocol';

/** `calls`: call effects routed to the node that holds a call's SIP leg; `media`: consoles' media signalling relayed to that node. */
export type BusChannel = 'events' | 'positions' | 'notifications' | 'calls' | 'media';
export type BusHandler = (message: BusMessage) => void;

export interface Bus {
  publish(channel: BusChannel, message: BusMessage): Promise<void>;
  subscribe(channel: BusChannel, handler: BusHandler): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Calls a listener so that its failure is logged, never thrown into the bus. */
export function safeCall(handler: BusHandler, message: BusMessage, onError: (err: unknown) => void): void {
  try {
    handler(message);
  } catch (err) {
    onError(err);
  }
}
