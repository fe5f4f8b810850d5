import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * Checks that the subscriber connection still delivers: every `everyMs` it
 * publishes a token on a channel of this node's own and expects it back
 * within `timeoutMs`. A subscriber can stay connected and subscribed in
 * ioredis's eyes yet hear nothing (a failover, a proxy in between, a
 * subscription dropped on the server); then readers would wait for wake-ups
 * that never come while every health check stays green. When a token does
 * not come back, delivery counts as unhealthy (the heartbeat says so) and
 * the subscriber reconnects, which subscribes everything again and wakes
 * every reader (Channels' catch-up).
 */
export class DeliveryProbe {
  readonly #cmd: Redis;
  readonly #sub: Redis;
  readonly #log: Logger;
  readonly #channel: string;
  readonly #timeoutMs: number;
  readonly #interval: NodeJS.Timeout | undefined;
  #waiting: string | null = null;
  /** Until the probe channel is subscribed (at start, after a reconnect): a probe sent before would be lost. */
  #subscribed = false;
  #deadline: NodeJS.Timeout | undefined;
  #healthy = true;

  constructor(o: { cmd: Redis; sub: Redis; prefix: string; log: Logger; everyMs: number; timeoutMs: number }) {
    this.#cmd = o.cmd;
    this.#sub = o.sub;
    this.#log = o.log;
    this.#timeoutMs = o.timeoutMs;
    this.#channel = `${o.prefix}probe:${randomUUID()}`;
    if (o.everyMs <= 0) return;
    o.sub.on('message', (channel: string, payload: string) => {
      if (channel === this.#channel && payload === this.#waiting) this.#arrived();
    });
    // After any reconnect as well: a channel unsubscribed behind ioredis's back is not in its list to restore.
    o.sub.on('ready', () => void this.#subscribe());
    o.sub.on('close', () => void (this.#subscribed = false));
    void this.#subscribe();
    this.#interval = setInterval(() => this.#send(), o.everyMs).unref();
  }

  /** Whether the last probe came back (true until one does not). */
  get healthy(): boolean {
    return this.#healthy;
  }

  stop(): void {
    clearInterval(this.#interval);
    clearTimeout(this.#deadline);
  }

  #subscribe(): Promise<void> {
    return this.#sub.subscribe(this.#channel).then(
      () => void (this.#subscribed = true),
      () => undefined, // not subscribed: no probe is sent, and the outage shows in the commands
    );
  }

  #send(): void {
    if (this.#waiting !== null || !this.#subscribed) return; // the last one's deadline decides; or nothing could hear it
    const token = randomUUID();
    this.#waiting = token;
    this.#cmd.publish(this.#channel, token).catch(() => undefined); // Redis away: the commands say so already
    this.#deadline = setTimeout(() => this.#lost(), this.#timeoutMs).unref();
  }

  #arrived(): void {
    clearTimeout(this.#deadline);
    this.#waiting = null;
    if (!this.#healthy) this.#log.info('Redis subscriptions deliver again');
    this.#healthy = true;
  }

  #lost(): void {
    this.#waiting = null;
    // Only when the commands work: otherwise it is an outage, reported and recovered as one.
    if (this.#cmd.status !== 'ready' || this.#sub.status !== 'ready') return;
    if (this.#healthy) this.#log.warn({ timeoutMs: this.#timeoutMs }, 'Redis subscriptions stopped delivering; reconnecting the subscriber');
    this.#healthy = false;
    this.#sub.disconnect(true);
  }
}
