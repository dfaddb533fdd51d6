/** Prometheus metrics of one server node (GET /metrics). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics(nodeId: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ node: nodeId });
  collectDefaultMetrics({ register: registry, prefix: 'beacon_' });
  const commands = new Counter({ name: 'beacon_commands_total', help: 'Commands by type and outcome', labelNames: ['type', 'outcome'], registers: [registry] });
  const commandSeconds = new Histogram({
    name: 'beacon_command_duration_seconds', help: 'Command latency to acknowledgement', labelNames: ['type'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry],
  });
  const retries = new Counter({ name: 'beacon_command_retries_total', help: 'Commands re-run after a version conflict', registers: [registry] });
  const wsConnections = new Gauge({ name: 'beacon_ws_connections', help: 'Open WebSocket connections', registers: [registry] });
  const delivered = new Counter({ name: 'beacon_feed_events_delivered_total', help: 'Feed events sent to subscribers', registers: [registry] });
  const gapsFilled = new Counter({ name: 'beacon_feed_gaps_filled_total', help: 'Feed gaps filled from the store', registers: [registry] });
  const avlPositions = new Counter({ name: 'beacon_avl_positions_total', help: 'AVL positions accepted', registers: [registry] });
  const timersFired = new Counter({ name: 'beacon_timers_fired_total', help: 'Delayed machine events delivered', registers: [registry] });
  const outboxDone = new Counter({ name: 'beacon_outbox_actions_total', help: 'Outbox actions by outcome', labelNames: ['action', 'outcome'], registers: [registry] });
  const httpRequests = new Counter({ name: 'beacon_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers: [registry] });
  return {
    registry, wsConnections, timersFired, outboxDone, httpRequests, avlPositions,
    pipeline: {
      observeCommand(type: string, outcome: string, seconds: number) {
        commands.inc({ type, outcome });
        if (outcome === 'applied') commandSeconds.observe({ type }, seconds);
      },
      countRetry: () => retries.inc(),
    },
    hub: { delivered: (n: number) => delivered.inc(n), gapFilled: () => gapsFilled.inc() },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
