import assert from 'node:assert/strict';
import type { TestServer } from '../../helpers/server.ts';
import { hawkFetch, type Captured, type Creds } from '../../helpers/loop.ts';

import type { Capture } from '../../helpers/loop.ts';
export type { Capture };

export const CONTEXT = Object.freeze({ value: 'v', alg: 'AES-GCM', wrappedKey: 'k' });
export const nowSec = () => Math.floor(Date.now() / 1000);

let seq = 0;
/** A fresh path on the capture server (one per user under test). */
export const pushPath = (label: string) => `/push/${label}-${++seq}-${Math.random().toString(36).slice(2)}`;

/** The pushes that reached `path`, waiting (bounded) until there are at least `n`. */
export async function pushesTo(capture: Capture, path: string, n: number, ms = 3000): Promise<Captured[]> {
  const end = Date.now() + ms;
  const mine = () => capture.requests.filter((c) => c.path === path);
  while (mine().length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  return mine();
}

/** The `version` of a captured push. */
export function versionOf(c: Captured): number {
  const m = /^version=(\d+)$/.exec(c.body);
  assert.ok(m, `a version=N body: ${c.body}`);
  return Number(m[1]);
}

/** Creates a room as `creds` (201 asserted) and returns its token. */
export async function createRoom(server: TestServer, creds: Creds, body: Record<string, unknown> = {}): Promise<string> {
  const r = await hawkFetch(server, creds, 'POST', '/v1/rooms', { body: { context: CONTEXT, roomOwner: 'Owner', maxSize: 5, ...body } });
  assert.equal(r.status, 201, r.text);
  return r.json.roomToken;
}

/** `Authorization: Basic base64(token + ":")` (§3.10). */
export const basicOf = (token: string, password = '') => `Basic ${Buffer.from(`${token}:${password}`).toString('base64')}`;

/** An unauthenticated (or Basic) room request with a JSON body. */
export async function roomPost(server: TestServer, roomToken: string, body: unknown, authorization?: string) {
  const res = await fetch(`${server.url}/v1/rooms/${roomToken}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(authorization ? { Authorization: authorization } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { res, status: res.status, text, json: text === '' ? undefined : JSON.parse(text) };
}

/** GET /v1/rooms/<token> with an optional Authorization. */
export async function roomGet(server: TestServer, roomToken: string, authorization?: string) {
  const res = await fetch(`${server.url}/v1/rooms/${roomToken}`, { headers: authorization ? { Authorization: authorization } : {} });
  const text = await res.text();
  return { res, status: res.status, text, json: text === '' ? undefined : JSON.parse(text) };
}

/** A Hawk-signed participant action: POST /v1/rooms/<token> with `body`. */
export const roomAct = (server: TestServer, creds: Creds, token: string, body: unknown, headers: Record<string, string> = {}) =>
  hawkFetch(server, creds, 'POST', `/v1/rooms/${token}`, { body, headers });

/** A Hawk-signed join. */
export const roomJoin = (server: TestServer, creds: Creds, token: string, clientMaxSize: unknown = 5, displayName = 'Someone') =>
  roomAct(server, creds, token, { action: 'join', displayName, clientMaxSize });
