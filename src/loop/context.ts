import type { Logger } from 'pino';
import type { LoopStore } from '../store/loop-types.ts';
import type { ExternalServices } from './external/index.ts';
import type { HawkAuth } from './hawk-auth.ts';
import type { Sessions } from './sessions.ts';
import type { LoopConfig } from './settings.ts';

/** What the rest of the server tells the Loop layer's service endpoints. */
export interface LoopHealth {
  /** The inbox store answers (part of `storage` in /__heartbeat__). */
  inboxStorePing(): Promise<boolean>;
  /** false while shutting down: /__lbheartbeat__ then answers 503. */
  accepting(): boolean;
}

/** Everything an endpoint module needs; built once by the composition root. */
export interface LoopContext {
  readonly config: LoopConfig;
  readonly store: LoopStore;
  readonly sessions: Sessions;
  readonly hawk: HawkAuth;
  readonly services: ExternalServices;
  readonly health: LoopHealth;
  readonly log: Logger;
}
