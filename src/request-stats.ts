import type { Metric, MetricValue, MetricValueWithName } from 'prom-client';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 1, 5, 30];

/** Statuses are counted in a table by code (100–599); anything else, which uWS never sends, would land in slot 0. */
const STATUS_SLOTS = 600;

class RouteStats {
  /** Responses by status code: an array slot per code, not a Map entry (two hash lookups per request). */
  readonly byStatus = new Float64Array(STATUS_SLOTS);
  readonly buckets = new Float64Array(BUCKETS.length);
  sum = 0;
  count = 0;
}

/**
 * Request counts by route and status, and a latency histogram by route, kept
 * in plain numbers and turned into Prometheus metrics only when scraped.
 * prom-client's own Counter/Histogram hash their label objects on every
 * observation, which measured at about 1 µs per request on the hot path.
 */
export class RequestStats {
  readonly #routes = new Map<string, RouteStats>();

  observe(route: string, status: number, seconds: number): void {
    let stats = this.#routes.get(route);
    if (!stats) {
      stats = new RouteStats();
      this.#routes.set(route, stats);
    }
    stats.byStatus[status >= 100 && status < STATUS_SLOTS ? status : 0]++;
    stats.sum += seconds;
    stats.count++;
    for (let i = 0; i < BUCKETS.length; i++) {
      if (seconds <= BUCKETS[i]) {
        stats.buckets[i]++;
        break;
      }
    }
  }

  /** The two metrics, in the shape prom-client's Registry.registerMetric expects. */
  metrics(prefix: string): Metric[] {
    const requests = `${prefix}http_requests_total`;
    const duration = `${prefix}http_request_duration_seconds`;
    // A metric object as the Registry reads it: name, help, type, and get() with the values.
    const metric = (name: string, help: string, type: 'counter' | 'histogram', values: () => MetricValue<string>[]) => {
      const get = async () => ({ name, help, type, aggregator: 'sum', values: values() });
      return { name, help, type, aggregator: 'sum', get, reset: () => this.#routes.clear() } as unknown as Metric;
    };
    return [
      metric(requests, 'HTTP responses by route and status', 'counter', () => {
        const out: MetricValue<string>[] = [];
        for (const [route, s] of this.#routes) {
          s.byStatus.forEach((value, status) => {
            if (value > 0) out.push({ labels: { route, status }, value });
          });
        }
        return out;
      }),
      metric(duration, 'Time from request to response, by route', 'histogram', () => {
        const out: MetricValueWithName<string>[] = [];
        for (const [route, s] of this.#routes) {
          let cumulative = 0;
          BUCKETS.forEach((le, i) => {
            cumulative += s.buckets[i];
            out.push({ metricName: `${duration}_bucket`, labels: { le, route }, value: cumulative });
          });
          out.push({ metricName: `${duration}_bucket`, labels: { le: '+Inf', route }, value: s.count });
          out.push({ metricName: `${duration}_sum`, labels: { route }, value: s.sum });
          out.push({ metricName: `${duration}_count`, labels: { route }, value: s.count });
        }
        return out;
      }),
    ];
  }
}
