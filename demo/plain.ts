// The reference inbox server's browser client code path: nothing but fetch,
// `GET /inbox` polling and `POST /inbox?to=…`, Basic auth on both, the
// sender read from X-From. It must interoperate with pages on InboxClient.
// One addition to what such clients do: NO_AUTH_PROMPT (see signal.ts), so a
// taken name is an error on the page instead of a hung request.
import { runPage, type ConnectionEvents } from './page.ts';
import { NO_AUTH_PROMPT, basicAuth } from './signal.ts';

const POLL_EVERY_MS = 250;

/** An HTTP failure in the shape the page reads (status + the server's error code). */
async function failure(res: Response): Promise<Error & { status: number; code: string }> {
  const body = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
  return Object.assign(new Error(body.message ?? `The server answered ${res.status}.`), { status: res.status, code: body.error ?? `http_${res.status}` });
}

const unreachable = (err: unknown) => Object.assign(new Error(`The server could not be reached: ${String(err)}`), { status: 0, code: 'network_error' });

/** Reads the inbox until stopped: 200 is a message (sender in X-From), 204 is "nothing yet". */
async function poll(authorization: string, events: ConnectionEvents, stopped: () => boolean): Promise<void> {
  while (!stopped()) {
    try {
      const res = await fetch('/inbox', { headers: { Authorization: authorization }, ...NO_AUTH_PROMPT });
      if (stopped()) return;
      if (res.status === 200) {
        await events.message(res.headers.get('X-From') ?? '', await res.text());
        continue;
      }
      if (res.status === 401 || res.status === 404) return events.lost(await failure(res));
      if (res.status !== 204) events.log(`GET /inbox answered ${res.status}: ${await res.text()}`);
    } catch (err) {
      events.log(`poll failed: ${String(err)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_EVERY_MS));
  }
}

runPage(async (name, password, events) => {
  const authorization = basicAuth(name, password);
  let first: Response;
  try {
    first = await fetch('/inbox', { headers: { Authorization: authorization }, ...NO_AUTH_PROMPT });
  } catch (err) {
    throw unreachable(err);
  }
  if (first.status !== 204 && first.status !== 200) throw await failure(first);
  events.transport('fetch polling');
  let stopped = false;
  void (async () => {
    // The first GET may already have taken a message: hand it over before polling.
    if (first.status === 200) await events.message(first.headers.get('X-From') ?? '', await first.text());
    await poll(authorization, events, () => stopped);
  })();
  return {
    authorization,
    async send(to, body) {
      let res: Response;
      try {
        res = await fetch(`/inbox?to=${encodeURIComponent(to)}`, {
          method: 'POST',
          headers: { Authorization: authorization, 'Content-Type': 'application/json' },
          body,
          ...NO_AUTH_PROMPT,
        });
      } catch (err) {
        throw unreachable(err);
      }
      if (res.status !== 204) throw await failure(res);
    },
    close: () => void (stopped = true),
  };
});
