import { createRequire } from 'node:module';
import type * as UwsTypes from 'uWebSockets.js';
import { adaptFallback } from './uws-fallback.ts';

export type Uws = typeof UwsTypes;
export type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket, WebSocket, WebSocketBehavior } from 'uWebSockets.js';

export interface LoadedCore {
  readonly uws: Uws;
  /** true when the native binary loaded; false for the package's slow pure-JS fallback. */
  readonly native: boolean;
  /** Human description, printed at start-up. */
  readonly description: string;
  /** On the fallback: what works differently or not at all (src/http/uws-fallback.ts), for the start-up log. */
  readonly limitations?: readonly string[];
  /** On the fallback: why it cannot serve at all (it could not be adapted); the server must not start. */
  readonly unusable?: string;
}

/** The values of UWS_USE_FALLBACK that make the package load its fallback (as node_modules/uWebSockets.js/src/uws.js reads it). */
const FORCED = new Set(['true', 'True', 'TRUE', '1']);

/**
 * Loads uWebSockets.js. The package silently falls back to a pure-JS server
 * (built on `ws`) when its native binary does not match this Node; that
 * fallback exports a `default` and lacks native-only functions such as
 * `getParts`, which is how it is told apart. The fallback is adapted once,
 * here, to the parts of the uWS API that src/http uses (uws-fallback.ts);
 * the native core is used as it is.
 */
export function loadUwsCore(): LoadedCore {
  const require = createRequire(import.meta.url);
  const uws = quietly(() => require('uWebSockets.js') as Uws & { default?: unknown });
  const native = typeof (uws as { getParts?: unknown }).getParts === 'function' && !('default' in uws);
  const abi = `node ABI ${process.versions.modules}, ${process.platform}-${process.arch}`;
  if (native) return { uws, native, description: `uWebSockets.js native core (${abi})` };
  const why = FORCED.has(process.env.UWS_USE_FALLBACK ?? '') ? 'UWS_USE_FALLBACK is set' : `the native binary did not load for ${abi}`;
  const description = `uWebSockets.js pure-JS fallback (slow; ${why})`;
  try {
    return { uws, native, description, limitations: adaptFallback(require, uws) };
  } catch (err) {
    return { uws, native, description, unusable: (err as Error).message };
  }
}

/**
 * Runs `load` with console.log pointed at stderr: the package prints its
 * "Using µWS fallback implementation…" banner with console.log when loading
 * the fallback, and stdout carries the JSON log only.
 */
function quietly<T>(load: () => T): T {
  const log = console.log;
  console.log = console.error;
  try {
    return load();
  } finally {
    console.log = log;
  }
}
