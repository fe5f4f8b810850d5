import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Gauges {
  inboxes(): Promise<number>;
  messages(): Promise<number>;
  longPolls(): number;
  websockets(): number;
}

/** Prometheus metrics of one server instance (its own registry, so tests can run several). */
export class Metrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'route' | 'status'>;
  readonly #duration: Histogram<'route'>;
  readonly #counterChildren = new Map<string, { inc(): void }>();
  readonly #histogramChildren = new Map<string, { observe(v: number): void }>();

  constructor(gauges: Gauges) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'signalbox_' });
    this.#requests = new Counter({
      name: 'signalbox_http_requests_total', help: 'HTTP responses by route and status',
      labelNames: ['route', 'status'], registers,
    });
    this.#duration = new Histogram({
      name: 'signalbox_http_request_duration_seconds', help: 'Time from request to response, by route',
      labelNames: ['route'], registers,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 1, 5, 30],
    });
    const gauge = (name: string, help: string, read: () => number | Promise<number>) =>
      new Gauge({ name, help, registers, async collect() { this.set(await read()); } });
    gauge('signalbox_inboxes', 'Live inboxes on this node', () => gauges.inboxes());
    gauge('signalbox_messages_queued', 'Messages waiting in inboxes', () => gauges.messages());
    gauge('signalbox_long_polls_waiting', 'Inbox readers attached (long-polls and sockets)', () => gauges.longPolls());
    gauge('signalbox_websockets_open', 'Open WebSockets', () => gauges.websockets());
  }

  /** Records one finished response; children are cached, since label lookup costs more than the count. */
  observe = (route: string, status: number, startedMs: number): void => {
    const key = `${route} ${status}`;
    let counter = this.#counterChildren.get(key);
    if (!counter) {
      counter = this.#requests.labels(route, String(status));
      this.#counterChildren.set(key, counter);
    }
    counter.inc();
    let histogram = this.#histogramChildren.get(route);
    if (!histogram) {
      histogram = this.#duration.labels(route);
      this.#histogramChildren.set(route, histogram);
    }
    histogram.observe((performance.now() - startedMs) / 1000);
  };

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
