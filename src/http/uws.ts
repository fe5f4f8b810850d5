import { createRequire } from 'node:module';
import type * as UwsTypes from 'uWebSockets.js';

export type Uws = typeof UwsTypes;
export type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket, WebSocket, WebSocketBehavior } from 'uWebSockets.js';

export interface LoadedCore {
  readonly uws: Uws;
  /** true when the native binary loaded; false for the package's slow pure-JS fallback. */
  readonly native: boolean;
  /** Human description, printed at start-up. */
  readonly description: string;
}

/**
 * Loads uWebSockets.js. The package silently falls back to a pure-JS server
 * (built on `ws`) when its native binary does not match this Node; that
 * fallback exports a `default` and lacks native-only functions such as
 * `getParts`, which is how it is told apart.
 */
export function loadUwsCore(): LoadedCore {
  const require = createRequire(import.meta.url);
  const uws = require('uWebSockets.js') as Uws & { default?: unknown };
  const native = typeof (uws as { getParts?: unknown }).getParts === 'function' && !('default' in uws);
  const abi = `node ABI ${process.versions.modules}, ${process.platform}-${process.arch}`;
  const description = native
    ? `uWebSockets.js native core (${abi})`
    : `uWebSockets.js pure-JS fallback (slow; the native binary did not load for ${abi})`;
  return { uws, native, description };
}
