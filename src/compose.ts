import type { Logger } from 'pino';
import type { Timers } from './clock.ts';
import type { CreationLimits } from './limits/index.ts';
import type { Config } from './config.ts';
import type { LoopContext, LoopHealth } from './loop/context.ts';
import type { LoopDurations } from './loop/durations.ts';
import { loopDurations } from './loop/durations.ts';
import { createExternalServices, type ExternalServices } from './loop/external/index.ts';
import { HawkAuth } from './loop/hawk-auth.ts';
import { DevicePresence, DuePoller, duePollEveryMs } from './loop/progress/index.ts';
import { PublicUrls } from './loop/public-urls.ts';
import { CallUrls } from './loop/call-urls/index.ts';
import { createRooms, type Rooms } from './loop/rooms/index.ts';
import { Sessions } from './loop/sessions.ts';
import type { LoopConfig } from './loop/settings.ts';
import { OutboundClient } from './net/outbound-http.ts';
import { OutboundPolicy } from './net/outbound-policy.ts';
import type { StoreSettings, Stores } from './store/index.ts';
import { isAsync, type MaybeAsync } from './store/maybe-async.ts';

export interface LoopPartsDeps {
  readonly config: LoopConfig;
  /** The config's durations in ms (loopDurations(config)). */
  readonly durations: LoopDurations;
  readonly log: Logger;
  readonly timers: Timers;
  /** Wall-clock ms since the epoch (Timestamp headers, unix-second fields). */
  readonly nowMs: () => number;
  readonly health: LoopHealth;
  /** host:port the server is reached at until it reports the real one (PublicUrls.listeningOn). */
  readonly listening: string;
  readonly stores: Pick<Stores, 'loop' | 'rooms' | 'callState'>;
  /** Replaces some or all of the external services (tests). */
  readonly services?: Partial<ExternalServices>;
  /** OUTBOUND_ALLOW, already validated: destinations reachable although private. */
  readonly outboundAllow: readonly string[];
  /** Per-client limits on anonymous registrations and rooms created (null: no limit). */
  readonly limits: Pick<CreationLimits, 'registrations' | 'rooms'>;
  /** A background store call (lease renewal, due poll) failed. */
  readonly onBackgroundError: (err: unknown) => void;
}

/** The Loop's collaborators, built once; the Loop layer and the progress WebSocket only use them. */
export interface LoopParts {
  readonly context: LoopContext;
  readonly rooms: Rooms;
  /** Call URLs (§6). */
  readonly callUrls: CallUrls;
  /** This node's call-progress sockets' leases (§12). */
  readonly presence: DevicePresence;
  /** This node's poll for due call timers and lapsed sockets of every node. */
  readonly duePoller: DuePoller;
  /** Starts the room participant expiry. */
  start(): void;
  /** Stops the background jobs and waits for push wake-ups in flight (the app closes the stores). */
  stop(): Promise<void>;
}

/** What the store backends need from the config, in their units. */
export function storeSettings(config: Config, durations: LoopDurations = loopDurations(config.loop)): StoreSettings {
  return { ...config, loopLimits: config.loop.limits, callDurationMs: durations.callDurationMs };
}

/** Builds everything the Loop v1 layer runs on (loop-v1.md §3–§15). */
export function composeLoop(d: LoopPartsDeps): LoopParts {
  const { config, log, timers, nowMs } = d;
  const { loop: store, rooms: roomStore, callState } = d.stores;
  const outbound = new OutboundClient({ policy: OutboundPolicy.fromList(d.outboundAllow), log });
  const built = d.services && isComplete(d.services)
    ? d.services
    : createExternalServices(config.external, log, { timers, nowMs, outbound });
  const services: ExternalServices = { ...built, ...d.services };
  const { sessionTtlMs } = d.durations;
  const sessions = new Sessions({ store, hawkIdSecret: config.hawkIdSecret, userMacSecret: config.userMacSecret, sessionTtlMs });
  const hawk = new HawkAuth({ store, sessionTtlMs, protocol: config.protocol, ...config.hawk, log, nowMs });
  const urls = new PublicUrls(config, d.listening);
  const context: LoopContext = {
    config, urls, store, roomStore, callState, sessions, hawk, services, outbound, health: d.health, log, limits: d.limits,
  };
  // At once when the store answers at once: a join or leave waits for no promise here.
  const pushRooms = (pushUrls: string[], version: number): void => {
    if (pushUrls.length > 0) services.push.notify(pushUrls, version);
  };
  const pushLookupFailed = (err: unknown): void => log.warn({ err }, 'rooms push lookup failed');
  const notifyOwner = (ownerKey: string, version: number): MaybeAsync<void> => {
    let pushUrls: MaybeAsync<string[]>;
    try {
      pushUrls = store.pushUrls(ownerKey, 'rooms');
    } catch (err) {
      return pushLookupFailed(err);
    }
    if (isAsync(pushUrls)) return pushUrls.then((urls) => pushRooms(urls, version), pushLookupFailed);
    pushRooms(pushUrls, version);
  };
  const rooms = createRooms({
    store: roomStore, settings: config.rooms, durations: d.durations.rooms, provider: services.provider, tokenDurationSec: config.external.tokBox.tokenDurationSec,
    notifyOwner, userMac: (v) => sessions.userMac(v), roomUrl: (token) => urls.roomUrl(token), nowMs, log, limits: config.limits,
  }, timers);
  const callUrls = new CallUrls({ store, settings: config.callUrls, limits: config.limits, nowMs });
  const leaseMs = d.durations.progressSocketLeaseMs;
  const presence = new DevicePresence({ store: callState, timers, leaseMs, onError: d.onBackgroundError });
  const duePoller = new DuePoller({ store: callState, timers, everyMs: duePollEveryMs(leaseMs), onError: d.onBackgroundError });

  return {
    context,
    rooms,
    callUrls,
    presence,
    duePoller,
    start() {
      rooms.expiry.start();
    },
    async stop() {
      presence.stop();
      duePoller.stop();
      rooms.expiry.stop();
      await services.push.idle();
      outbound.close();
    },
  };
}

function isComplete(s: Partial<ExternalServices>): s is ExternalServices {
  return Boolean(s.provider && s.push && s.browserId && s.fxa);
}
