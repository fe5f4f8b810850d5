import { createStores, type Stores } from '../../src/store/index.ts';
import type { FakeTime } from '../helpers/fake-time.ts';

/** Every memory store as createStores builds it, with small bounds, on one fake clock and its timers. */
export function smallStores(time: FakeTime, sessions = 10): Stores {
  return createStores({
    inboxTtlMs: 60_000, inboxCapacity: 10, maxInboxes: 10, maxQueuedBytes: 1 << 20,
    loopLimits: { sessions, callUrls: 10, calls: 10, nonces: 10 }, callDurationMs: 60_000,
  }, time, time);
}
