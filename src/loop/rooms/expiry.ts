import type { TimerHandle, Timers } from '../../clock.ts';
import type { RoomCore } from './core.ts';

/** How often expired participants are looked for: with the store's 250 ms buckets, removal comes ≤ 0.5 s late (§8.12 asks ≤ 1 s). */
export const EXPIRY_EVERY_MS = 250;

/**
 * §8.12: a participant not refreshed in time is removed, and that counts as
 * a leave (the room is touched and its owner gets a `rooms` push). Driven by
 * injected timers; `tick()` can be called directly by tests.
 */
export class ParticipantExpiry {
  #handle: TimerHandle | undefined;
  #running = false;

  constructor(
    private readonly core: RoomCore,
    private readonly timers: Timers,
    private readonly everyMs = EXPIRY_EVERY_MS,
  ) {}

  start(): void {
    if (this.#handle !== undefined) return;
    this.#handle = this.timers.setInterval(() => void this.tick(), this.everyMs);
  }

  stop(): void {
    if (this.#handle !== undefined) this.timers.clearInterval(this.#handle);
    this.#handle = undefined;
  }

  /** Removes the participants due now and touches their rooms; the number removed. Never rejects. */
  async tick(): Promise<number> {
    if (this.#running) return 0; // a slow store: the next tick picks up what this one has not
    this.#running = true;
    const { store, deps } = this.core;
    let removed = 0;
    try {
      for (const { roomToken, participants } of await store.expireParticipants()) {
        removed += participants.length;
        await this.core.touch(roomToken);
        deps.log.debug({ roomToken, count: participants.length }, 'room participants expired');
      }
    } catch (err) {
      deps.log.error({ err }, 'room participant expiry failed');
    } finally {
      this.#running = false;
    }
    return removed;
  }
}
