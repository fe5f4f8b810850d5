/**
 * What two demo peers post to each other's inbox, as JSON
 * (`Content-Type: application/json`). The plain-fetch page and the
 * InboxClient page speak exactly this, so either can call the other.
 */
export type Signal =
  | { readonly type: 'offer'; readonly sdp: string }
  | { readonly type: 'answer'; readonly sdp: string }
  | { readonly type: 'candidate'; readonly candidate: RTCIceCandidateInit }
  /** The call is over; `busy`: the callee is in another call. */
  | { readonly type: 'bye'; readonly reason?: 'busy' };

/** The parsed signal, or null for anything else (someone else's message, garbage). */
export function parseSignal(text: string): Signal | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if ((v.type === 'offer' || v.type === 'answer') && typeof v.sdp === 'string') return { type: v.type, sdp: v.sdp };
  if (v.type === 'candidate' && typeof v.candidate === 'object' && v.candidate !== null) {
    return { type: 'candidate', candidate: v.candidate as RTCIceCandidateInit };
  }
  if (v.type === 'bye') return v.reason === 'busy' ? { type: 'bye', reason: 'busy' } : { type: 'bye' };
  return null;
}

/** Sends signals one after the other, so they arrive in the order they were made (offer before its candidates). */
export function inOrder(send: (to: string, body: string) => Promise<void>): (to: string, signal: Signal) => Promise<void> {
  let last: Promise<void> = Promise.resolve();
  return (to, signal) => {
    const next = last.then(() => send(to, JSON.stringify(signal)));
    last = next.catch(() => undefined);
    return next;
  };
}

/**
 * Chromium answers a same-origin fetch that gets `401` with
 * `WWW-Authenticate: Basic` by waiting for the browser's login prompt: the
 * promise never settles in a headless browser, and a real one pops up a
 * password dialog. With credentials 'omit' the browser does not manage HTTP
 * auth for the request (no prompt) and our own Authorization header still
 * goes out, so a wrong password is a plain 401 the page can show.
 */
export const NO_AUTH_PROMPT = { credentials: 'omit' } as const satisfies RequestInit;

/** fetch with NO_AUTH_PROMPT, for InboxClient's `fetch` option. */
export const fetchWithoutPrompt = (input: string, init?: RequestInit): Promise<Response> =>
  fetch(input, { ...init, ...NO_AUTH_PROMPT });

/** Fetches TURN credentials for the signed-in owner: RTCIceServers, or [] when the server has no TURN configured. */
export async function fetchIceServers(authorization: string, log: (line: string) => void): Promise<RTCIceServer[]> {
  try {
    const res = await fetch('/turn-credentials', { headers: { Authorization: authorization }, ...NO_AUTH_PROMPT });
    if (res.status === 404) return [];
    if (!res.ok) {
      log(`TURN credentials refused (${res.status}); trying without TURN`);
      return [];
    }
    const c = (await res.json()) as { username: string; password: string; urls: string[] };
    log(`using TURN ${c.urls.join(', ')}`);
    return [{ urls: c.urls, username: c.username, credential: c.password }];
  } catch (err) {
    log(`TURN credentials unavailable: ${String(err)}`);
    return [];
  }
}

/** The Authorization header value for HTTP Basic, UTF-8 safe. */
export function basicAuth(username: string, password: string): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}
