/** Prometheus metrics of the SIP edge: whether Kamailio answers, and how often it was restarted. */
import { Gauge, type Registry } from 'prom-client';
import type { KamailioEdge } from './KamailioEdge';

export function registerSipEdgeMetrics(registry: Registry, edge: KamailioEdge): void {
  new Gauge({
    name: 'beacon_sip_edge_up', help: 'SIP edge (Kamailio) running and answering OPTIONS: 1, else 0', registers: [registry],
    collect() {
      this.set(edge.state === 'running' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'beacon_sip_edge_restarts', help: 'Times the SIP edge died and was started again since the server started', registers: [registry],
    collect() {
      this.set(edge.restarts);
    },
  });
}
