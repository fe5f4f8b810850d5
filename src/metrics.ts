import { performance } from 'node:perf_hooks'; // the global `performance` is a lazy getter, called on every read
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { systemClock, type Clock } from './clock.ts';
import { RequestStats } from './request-stats.ts';

export interface Gauges {
  inboxes(): Promise<number>;
  messages(): Promise<number>;
  queuedBytes(): Promise<number>;
  longPolls(): number;
  websockets(): number;
}

export interface MetricsOptions {
  /** The store's byte budget (a constant gauge, to compare the queued bytes with). */
  readonly maxQueuedBytes?: number;
  /** A rendering is served for this long before the next request renders again. Default 1000 ms. */
  readonly maxAgeMs?: number;
  /** Real monotonic time by default (a test's fake domain clock would freeze the cache). */
  readonly clock?: Clock;
}

/**
 * Prometheus metrics of one server instance (its own registry, so tests can
 * run several). A rendering costs milliseconds of CPU, so the text is
 * rendered at most once per maxAgeMs and kept as bytes: a scrape storm (or a
 * pipelined flood on one connection) costs a copy per request, not a render.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #requests = new RequestStats();
  readonly #maxAgeMs: number;
  readonly #clock: Clock;
  #cached: Uint8Array | null = null;
  #renderedAt = 0;
  #rendering: Promise<Uint8Array> | null = null;
  #renders = 0;

  constructor(gauges: Gauges, options: MetricsOptions = {}) {
    this.#maxAgeMs = options.maxAgeMs ?? 1000;
    this.#clock = options.clock ?? systemClock;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'signalbox_' });
    for (const metric of this.#requests.metrics('signalbox_')) this.registry.registerMetric(metric);
    const gauge = (name: string, help: string, read: () => number | Promise<number>) =>
      new Gauge({ name, help, registers, async collect() { this.set(await read()); } });
    gauge('signalbox_inboxes', 'Live inboxes on this node', () => gauges.inboxes());
    gauge('signalbox_messages_queued', 'Messages waiting in inboxes', () => gauges.messages());
    gauge('signalbox_queued_bytes', 'Body bytes of the messages waiting in inboxes', () => gauges.queuedBytes());
    if (options.maxQueuedBytes !== undefined) {
      const limit = options.maxQueuedBytes;
      gauge('signalbox_queued_bytes_limit', 'MAX_QUEUED_BYTES: sends past it are refused (503)', () => limit);
    }
    gauge('signalbox_long_polls_waiting', 'Inbox readers attached (long-polls and sockets)', () => gauges.longPolls());
    gauge('signalbox_websockets_open', 'Open WebSockets', () => gauges.websockets());
  }

  /** Records one finished response. */
  observe = (route: string, status: number, startedMs: number): void => {
    this.#requests.observe(route, status, (performance.now() - startedMs) / 1000);
  };

  /**
   * The Prometheus text as UTF-8 bytes: the cached rendering while it is
   * younger than maxAgeMs; otherwise a new one, which every request that
   * comes during it shares.
   */
  render(): Promise<Uint8Array> {
    if (this.#rendering) return this.#rendering;
    if (this.#cached && this.#clock.now() - this.#renderedAt < this.#maxAgeMs) return Promise.resolve(this.#cached);
    this.#renderedAt = this.#clock.now();
    this.#renders++;
    const rendering = this.registry.metrics().then(
      (text) => {
        this.#cached = Buffer.from(text, 'utf8');
        this.#rendering = null;
        return this.#cached;
      },
      (err: unknown) => {
        this.#rendering = null;
        throw err;
      },
    );
    this.#rendering = rendering;
    return rendering;
  }

  /** How many times the text was rendered (not served from the cache). */
  get renders(): number {
    return this.#renders;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
