import type { Logger } from 'pino';
import type { PushOptions } from './options.ts';
import type { PushNotifier } from './types.ts';

interface Job {
  readonly url: string;
  readonly body: string;
}

/** Where a push URL points, for logs: the path of a SimplePush URL is a capability, so it is never logged. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
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
 */
export class HttpPushNotifier implements PushNotifier {
  readonly #options: PushOptions;
  readonly #log: Logger;
  readonly #queue: Job[] = [];
  #head = 0;
  #active = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(options: PushOptions, log: Logger) {
    this.#options = options;
    this.#log = log;
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
    try {
      const res = await fetch(job.url, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: job.body,
        // A redirect is not followed (the original did not follow one on PUT either).
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
      // Free the connection; the answer's body means nothing to us.
      await res.body?.cancel().catch(() => {});
      if (res.status >= 200 && res.status < 300) this.#log.debug({ origin, status: res.status }, 'push sent');
      else this.#log.warn({ origin, status: res.status }, 'push server answered with an error status');
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message;
      this.#log.warn({ origin, error: cause ?? (err as Error).message }, 'push notification failed');
    }
  }
}
