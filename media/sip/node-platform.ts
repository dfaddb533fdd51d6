/**
 * What sip.js 0.21.2 needs to run in Node, and the guards the measurements in
 * shared/notes/sip-edge.md call for:
 * - a global `WebSocket` (Node 20 has none): the `ws` package, subclassed to ping the edge
 *   every few seconds and drop a connection whose pongs stop (Kamailio's own WS ping once
 *   closed a healthy node connection, so the edge uses TCP checks and we ping from here);
 * - `Invitation.onAckTimeout` throws "Invalid state transition from Terminated to Terminated"
 *   32 s after a BYE that arrived before the ACK, outside any caller: it returns early for a
 *   session that is already terminated;
 * - its header parser rebuilds its tables on every header (about 1 ms each): built once
 *   instead (./sip-grammar.ts).
 */
import WebSocket from 'ws';
import { Invitation, SessionState } from 'sip.js';
import { installFastSipGrammar } from './sip-grammar';

/** How often the server pings Kamailio over the node WebSocket, and how many pongs may be missed. */
export const WS_PING_MS = 5_000;
const MISSED_PONGS = 3;

/** A `ws` client that pings its peer and terminates itself when the peer stops answering. */
export class PingingWebSocket extends WebSocket {
  constructor(address: string, protocols?: string | string[]) {
    super(address, protocols);
    let missed = 0;
    const timer = setInterval(() => {
      if (this.readyState !== WebSocket.OPEN) return;
      if (++missed > MISSED_PONGS) {
        this.terminate();
        return;
      }
      this.ping();
    }, WS_PING_MS);
    timer.unref();
    this.on('pong', () => { missed = 0; });
    this.on('close', () => clearInterval(timer));
    // sip.js listens with onerror; an unhandled 'error' event would otherwise throw.
    this.on('error', () => undefined);
  }
}

let installed = false;
let grammarFallback: string | null = null;

/**
 * Installs the global WebSocket, the sip.js crash guards and the compiled-once header parser,
 * once per process. Returns why sip.js keeps its own (slow) parser, or null.
 */
export function installSipJsPlatform(): string | null {
  if (installed) return grammarFallback;
  installed = true;
  grammarFallback = installFastSipGrammar();
  const g = globalThis as { WebSocket?: unknown };
  if (!g.WebSocket) g.WebSocket = PingingWebSocket;
  const proto = Invitation.prototype as unknown as { onAckTimeout: (this: Invitation) => void };
  const onAckTimeout = proto.onAckTimeout;
  proto.onAckTimeout = function guardedAckTimeout(this: Invitation) {
    // A BYE before the ACK already ended the session: nothing left to time out.
    if (this.state === SessionState.Terminated) return;
    onAckTimeout.call(this);
  };
  return grammarFallback;
}
