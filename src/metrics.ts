import { performance } from 'node:perf_hooks'; // the global `performance` is a lazy getter, called on every read
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { systemClock, type Clock } from './clock.ts';
import { RequestStats } from './request-stats.ts';

export interface StoreCounts {
  readonly inboxes: number;
  readonly messages: number;
  readonly bytes: number;
}

export interface Gauges {
  /** The inbox store's counts, read once per rendering; while the store does not answer they show as NaN. */
  storeStats(): Promise<StoreCounts>;
  /** Whether the stores answer (what /__heartbeat__ calls storage); never rejects. */
  storageUp(): Promise<boolean>;
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
  /** The store's counts for the rendering under way: one store call, shared by its gauges. */
  #stats: Promise<StoreCounts> | null = null;
  readonly #storeErrors: Counter;

  constructor(gauges: Gauges, options: MetricsOptions = {}) {
    this.#maxAgeMs = options.maxAgeMs ?? 1000;
    this.#clock = options.clock ?? systemClock;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'signalbox_' });
    for (const metric of this.#requests.metrics('signalbox_')) this.registry.registerMetric(metric);
    // A gauge whose reading fails shows NaN, so that the rest (the process, the requests) is still served.
    const gauge = (name: string, help: string, read: () => number | Promise<number>) =>
      new Gauge({
        name, help, registers,
        async collect() {
          try {
            this.set(await read());
          } catch {
            this.set(Number.NaN);
          }
        },
      });
    const stats = () => (this.#stats ??= Promise.resolve().then(() => gauges.storeStats()));
    gauge('signalbox_inboxes', 'Live inboxes (with STORE=redis: of the whole deployment)', async () => (await stats()).inboxes);
    gauge('signalbox_messages_queued', 'Messages waiting in inboxes (with STORE=redis: of the whole deployment)', async () => (await stats()).messages);
    gauge('signalbox_queued_bytes', 'Body bytes of the messages waiting in inboxes (with STORE=redis: of the whole deployment)', async () => (await stats()).bytes);
    gauge('signalbox_storage_up', 'Whether the stores answer (1) or not (0), as /__heartbeat__ says in storage', async () => ((await gauges.storageUp()) ? 1 : 0));
    this.#storeErrors = new Counter({
      name: 'signalbox_store_background_errors_total', registers,
      help: 'Store calls made in the background (a reader giving up its claim, a sweep, a lease renewal) that failed',
    });
    if (options.maxQueuedBytes !== undefined) {
      const limit = options.maxQueuedBytes;
      gauge('signalbox_queued_bytes_limit', 'MAX_QUEUED_BYTES: sends past it are refused (503)', () => limit);
    }
    gauge('signalbox_long_polls_waiting', 'Inbox readers attached (long-polls and sockets)', () => gauges.longPolls());
    gauge('signalbox_websockets_open', 'Open WebSockets', () => gauges.websockets());
  }

  /** Counts one failed background store call. */
  storeError(): void {
    this.#storeErrors.inc();
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
    this.#stats = null;
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
