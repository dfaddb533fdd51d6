/** Prometheus metrics of the SIP edge: whether Kamailio answers, and how often it was restarted. */
import { Gauge, type Registry } from 'prom-client';
import type { KamailioEdge } from './KamailioEdge';
import type { DtmfVia } from './SipCall';

/** What the SIP bridge counts (server/calls/sip-bridge.ts). */
export interface SipBridgeCounts {
  registered: boolean;
  counters: { invites: number; dtmfByVia: Record<DtmfVia, number> };
}

export function registerSipEdgeMetrics(registry: Registry, edge: KamailioEdge): void {
  new Gauge({
    name: 'beacon_sip_edge_up', help: 'SIP edge (Kamailio) running and answering OPTIONS: 1, else 0', registers: [registry],
    collect() {
      this.set(edge.state === 'running' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'beacon_sip_edge_external', help: 'This node uses a SIP edge it does not run (SIP_EDGE_WS_URL): 1, else 0; beacon_sip_edge_up is then 0 and beacon_sip_node_registered tells whether the edge is reached',
    registers: [registry],
    collect() {
      this.set(edge.state === 'external' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'beacon_sip_edge_restarts', help: 'Times the SIP edge died and was started again since the server started', registers: [registry],
    collect() {
      this.set(edge.restarts);
    },
  });
}

/** The node's SIP bridge: registration at the edge, INVITEs received, DTMF digits from callers. */
/** The media relay's counters (server/calls/media-relay.ts). */
export interface MediaRelayCounts {
  counters: { relayed: number; hosted: number; framesOut: number; unclaimed: number };
  hostedSessions: number;
}

export function registerSipBridgeMetrics(registry: Registry, bridge: SipBridgeCounts, relay?: MediaRelayCounts): void {
  new Gauge({
    name: 'beacon_sip_node_registered', help: "This node's user agent registered at the SIP edge: 1, else 0", registers: [registry],
    collect() {
      this.set(bridge.registered ? 1 : 0);
    },
  });
  // Gauges read from the bridge's own counters (monotonic; prom-client counters cannot be collected lazily).
  new Gauge({
    name: 'beacon_sip_invites_received', help: 'INVITEs received by this node from the edge since start', registers: [registry],
    collect() {
      this.set(bridge.counters.invites);
    },
  });
  new Gauge({
    name: 'beacon_sip_dtmf_digits', help: 'DTMF digits received from callers since start, by how they came (RFC 4733 telephone-event or SIP INFO)',
    labelNames: ['via'], registers: [registry],
    collect() {
      for (const [via, n] of Object.entries(bridge.counters.dtmfByVia)) this.set({ via }, n);
    },
  });
  if (!relay) return;
  new Gauge({
    name: 'beacon_media_relay_requests', help: 'Media signalling of call rooms on other nodes since start: requests relayed from consoles here, requests hosted here for consoles elsewhere, rooms claimed by no node, room events sent to consoles elsewhere',
    labelNames: ['kind'], registers: [registry],
    collect() {
      this.set({ kind: 'relayed' }, relay.counters.relayed);
      this.set({ kind: 'hosted' }, relay.counters.hosted);
      this.set({ kind: 'unclaimed' }, relay.counters.unclaimed);
      this.set({ kind: 'events_out' }, relay.counters.framesOut);
    },
  });
  new Gauge({
    name: 'beacon_media_relay_hosted_sessions', help: 'Media sessions this node hosts for consoles connected to other nodes', registers: [registry],
    collect() {
      this.set(relay.hostedSessions);
    },
  });
}
