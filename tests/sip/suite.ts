/**
 * The set-up every SIP bridge test file shares: one server with its Kamailio and the node's
 * user agent registered, the police call taker connected over the WebSocket, and what the
 * tests read back (a call's view, the police board, the call a caller's INVITE made). Call
 * `sipSuite()` at the top level of a test file; what it opens is closed after the file.
 */
import type { CallBoard } from '../../server/calls/queue';
import type { CallView } from '../../server/calls/kind';
import { startTestServer, type TestServer } from '../support/app';
import { TestClient } from '../support/ws-client';
import { until } from '../support/until';
import type { Closable } from './call-room';

export interface SipSuite {
  readonly server: TestServer;
  readonly taker: TestClient;
  /** Sockets, sinks and phones to close after the file. */
  readonly opened: Closable[];
  callView(id: string): Promise<CallView>;
  /** An agency's call board as its supervisor sees it. */
  boardOf(agencyId?: string): Promise<CallBoard>;
  /** The call a caller's INVITE made, once it waits on the police board. */
  queuedCall(callerNumber: string): Promise<string>;
}

/** `env`: settings of the server, or a function making them before it starts (e.g. a port picked then). */
export function sipSuite(env: Record<string, string> | (() => Promise<Record<string, string>>) = {}): SipSuite {
  let server: TestServer | undefined;
  let taker: TestClient | undefined;
  const opened: Closable[] = [];
  beforeAll(async () => {
    server = await startTestServer({ env: { SIP_ENABLED: 'true', ...(typeof env === 'function' ? await env() : env) } });
    taker = await TestClient.connect(server.port, server.token('calltaker.police'));
    expect(await server.app.sipBridge!.whenRegistered(10_000)).toBe(true);
  }, 60_000);
  afterAll(async () => {
    for (const o of opened) o.close();
    await taker?.close();
    await server?.stop();
  });
  const suite: SipSuite = {
    get server() {
      return server!;
    },
    get taker() {
      return taker!;
    },
    opened,
    callView: async (id) => (await server!.app.pipeline.load('call', id))!.view as unknown as CallView,
    boardOf: async (agencyId = 'police') => (await (await fetch(`http://127.0.0.1:${server!.port}/api/v1/calls?agencyId=${agencyId}`, {
      headers: { authorization: `Bearer ${server!.token('supervisor.police')}` }, // a city-wide supervisor
    })).json()) as CallBoard,
    queuedCall: async (callerNumber) => {
      let id = '';
      await until(`a queued call from ${callerNumber}`, async () => {
        id = (await suite.boardOf()).waiting.find((w) => w.callerNumber === callerNumber)?.callId ?? '';
        return id !== '';
      }, 15_000);
      return id;
    },
  };
  return suite;
}
