import type { Logger } from 'pino';
import type { OutboundClient } from '../net/outbound-http.ts';
import type { CreationLimits } from '../limits/index.ts';
import type { LoopRoomStore } from '../store/rooms.ts';
import type { LoopStore } from '../store/loop.ts';
import type { ExternalServices } from './external/index.ts';
import type { HawkAuth } from './hawk-auth.ts';
import type { PublicUrls } from './public-urls.ts';
import type { CallStateStore } from './progress/index.ts';
import type { Sessions } from './sessions.ts';
import type { LoopConfig } from './settings.ts';

/** What the rest of the server tells the Loop layer's service endpoints. */
export interface LoopHealth {
  /** The inbox store answers (part of `storage` in /__heartbeat__). */
  inboxStorePing(): Promise<boolean>;
  /** false while shutting down: /__lbheartbeat__ then answers 503. */
  accepting(): boolean;
}

/** Everything the Loop endpoint modules need between them; built once by the composition root (src/compose.ts). Each module takes only its slice. */
export interface LoopContext {
  readonly config: LoopConfig;
  /** The addresses handed out to clients (progressURL, call and room URLs). */
  readonly urls: PublicUrls;
  readonly store: LoopStore;
  /** The one owner of call progress state (§12.4 markers, reason, devices); the REST store keeps the rest of a call. */
  readonly callState: CallStateStore;
  /** Rooms, their participants and deleted-room notices (§8). */
  readonly roomStore: LoopRoomStore;
  readonly sessions: Sessions;
  readonly hawk: HawkAuth;
  readonly services: ExternalServices;
  /** The guarded HTTP client (heartbeat probes) and its policy (push URLs at registration). */
  readonly outbound: OutboundClient;
  readonly health: LoopHealth;
  readonly log: Logger;
  /** Anonymous registrations and rooms created per client (null: no limit). */
  readonly limits: Pick<CreationLimits, 'registrations' | 'rooms'>;
}

/** What a Hawk-guarded endpoint needs to authenticate its caller. */
export type LoopAuth = Pick<LoopContext, 'hawk'>;
