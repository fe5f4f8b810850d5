import type { Logger } from 'pino';
import { originOf, type OutboundClient } from '../../net/outbound-http.ts';
import type { PushOptions } from './options.ts';
import type { PushNotifier } from './types.ts';

interface Job {
  readonly url: string;
  readonly body: string;
}

function isHttpUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * SimplePush wake-ups (loop-v1.md §11): `PUT <url>` with the form body
 * `version=N`, no auth, no retry. Fire-and-forget: failures are only logged.
 * At most `maxConcurrency` requests are in flight; the rest wait in a FIFO
 * bounded by `maxQueued` (beyond it new notifications are dropped and logged).
 * Requests go through the outbound client: private and reserved destinations
 * are refused (logged once per URL by the client), redirects are not followed.
 */
export class HttpPushNotifier implements PushNotifier {
  readonly #options: PushOptions;
  readonly #log: Logger;
  readonly #outbound: OutboundClient;
  readonly #queue: Job[] = [];
  #head = 0;
  #active = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(options: PushOptions, log: Logger, outbound: OutboundClient) {
    this.#options = options;
    this.#log = log;
    this.#outbound = outbound;
  }

  /** Notifications in flight or waiting. */
  get pending(): number {
    return this.#active + this.#queue.length - this.#head;
  }

  notify(urls: readonly string[], version: number): void {
    if (!Number.isFinite(version)) {
      this.#log.warn({ version }, 'push notification with a non-numeric version not sent');
      return;
    }
    const body = `version=${Math.floor(version)}`;
    for (const url of new Set(urls)) {
      if (typeof url !== 'string' || !isHttpUrl(url)) {
        this.#log.warn({ origin: typeof url === 'string' ? originOf(url) : typeof url }, 'push URL is not http(s): not called');
        continue;
      }
      if (this.#active < this.#options.maxConcurrency) {
        this.#start({ url, body });
      } else if (this.#queue.length - this.#head < this.#options.maxQueued) {
        this.#queue.push({ url, body });
      } else {
        this.#log.warn({ origin: originOf(url) }, 'push queue full: notification dropped');
      }
    }
  }

  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #pump(): void {
    while (this.#active < this.#options.maxConcurrency && this.#head < this.#queue.length) {
      this.#start(this.#queue[this.#head++]);
    }
    // Drop the consumed prefix now and then, so a queue that never drains does not grow.
    if (this.#head === this.#queue.length || (this.#head > 1024 && this.#head * 2 > this.#queue.length)) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    if (this.pending === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  #start(job: Job): void {
    this.#active++;
    void this.#send(job).finally(() => {
      this.#active--;
      this.#pump();
    });
  }

  async #send(job: Job): Promise<void> {
    const origin = originOf(job.url);
    const res = await this.#outbound.request(job.url, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: job.body,
      timeoutMs: this.#options.timeoutMs,
      // The answer's body means nothing to us.
      discardBody: true,
    });
    if (res.ok) {
      if (res.status >= 200 && res.status < 300) this.#log.debug({ origin, status: res.status }, 'push sent');
      else this.#log.warn({ origin, status: res.status }, 'push server answered with an error status');
    } else if (res.code === 'redirect') {
      // The original did not follow a redirect on PUT either.
      this.#log.warn({ origin, status: res.status }, 'push server answered with a redirect: not followed');
    } else if (res.code !== 'outbound_refused') {
      // A refused destination was already logged by the outbound client, once per URL.
      this.#log.warn({ origin, error: res.message }, 'push notification failed');
    }
  }
}
