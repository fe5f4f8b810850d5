import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { RequestStats } from './request-stats.ts';

export interface Gauges {
  inboxes(): Promise<number>;
  messages(): Promise<number>;
  longPolls(): number;
  websockets(): number;
}

/** Prometheus metrics of one server instance (its own registry, so tests can run several). */
export class Metrics {
  readonly registry = new Registry();
  readonly #requests = new RequestStats();

  constructor(gauges: Gauges) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'signalbox_' });
    for (const metric of this.#requests.metrics('signalbox_')) this.registry.registerMetric(metric);
    const gauge = (name: string, help: string, read: () => number | Promise<number>) =>
      new Gauge({ name, help, registers, async collect() { this.set(await read()); } });
    gauge('signalbox_inboxes', 'Live inboxes on this node', () => gauges.inboxes());
    gauge('signalbox_messages_queued', 'Messages waiting in inboxes', () => gauges.messages());
    gauge('signalbox_long_polls_waiting', 'Inbox readers attached (long-polls and sockets)', () => gauges.longPolls());
    gauge('signalbox_websockets_open', 'Open WebSockets', () => gauges.websockets());
  }

  /** Records one finished response. */
  observe = (route: string, status: number, startedMs: number): void => {
    this.#requests.observe(route, status, (performance.now() - startedMs) / 1000);
  };

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
