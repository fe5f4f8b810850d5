import type { TimerHandle, Timers } from '../../clock.ts';
import type { CallStateStore, DeviceRef } from '../../store/call-state.ts';

export interface DevicePresenceOptions {
  readonly store: CallStateStore;
  readonly timers: Timers;
  /** How long a device counts as present without renewal; renewed every third of it. */
  readonly leaseMs: number;
  readonly onError?: (err: unknown) => void;
}

interface Held {
  readonly ref: DeviceRef;
  readonly onLost: () => void;
}

/**
 * Keeps the leases of this node's call-progress sockets alive in the store
 * (one `renew` for all of them every third of the lease). If this node dies,
 * its devices lapse and another node reaps them as closed sockets. A device
 * the store no longer holds (its lease lapsed and was reaped, e.g. after a
 * long stall) is reported through its `onLost`, so its socket can go too.
 */
export class DevicePresence {
  readonly leaseMs: number;
  readonly #o: DevicePresenceOptions;
  readonly #held = new Map<string, Held>();
  readonly #timer: TimerHandle;
  #renewing = false;

  constructor(options: DevicePresenceOptions) {
    this.#o = options;
    this.leaseMs = options.leaseMs;
    this.#timer = options.timers.setInterval(() => void this.renewNow(), Math.max(1, options.leaseMs / 3));
  }

  /** Renews `ref` from now on until the returned function is called. */
  hold(ref: DeviceRef, onLost: () => void): () => void {
    const key = keyOf(ref);
    const held = { ref, onLost };
    this.#held.set(key, held);
    return () => {
      if (this.#held.get(key) === held) this.#held.delete(key);
    };
  }

  get size(): number {
    return this.#held.size;
  }

  /** One renewal round (the interval runs it; overlapping rounds are skipped). */
  async renewNow(): Promise<void> {
    if (this.#renewing || this.#held.size === 0) return;
    this.#renewing = true;
    try {
      const lost = await this.#o.store.renew([...this.#held.values()].map((h) => h.ref), this.leaseMs);
      for (const ref of lost) {
        const held = this.#held.get(keyOf(ref));
        if (!held) continue;
        this.#held.delete(keyOf(ref));
        held.onLost();
      }
    } catch (err) {
      this.#o.onError?.(err);
    } finally {
      this.#renewing = false;
    }
  }

  stop(): void {
    this.#o.timers.clearInterval(this.#timer);
    this.#held.clear();
  }
}

const keyOf = (ref: DeviceRef): string => `${ref.callId}/${ref.deviceId}`;
