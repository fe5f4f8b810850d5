// The reference inbox server's browser client code path: nothing but fetch,
// `GET /inbox` polling and `POST /inbox?to=…`, Basic auth on both, the
// sender read from X-From. It must interoperate with pages on InboxClient.
// One addition to what such clients do: NO_AUTH_PROMPT (see signal.ts), so a
// taken name is an error on the page instead of a hung request.
import { ChatPeer } from './peer.ts';
import { NO_AUTH_PROMPT, basicAuth, fetchIceServers, inOrder, parseSignal } from './signal.ts';
import { bindUi } from './ui.ts';

const POLL_EVERY_MS = 250;
const ui = bindUi();
let iceServers: RTCIceServer[] = [];
let authorization = '';

const send = inOrder(async (to, body) => {
  const res = await fetch(`/inbox?to=${encodeURIComponent(to)}`, {
    method: 'POST',
    headers: { Authorization: authorization, 'Content-Type': 'application/json' },
    body,
    ...NO_AUTH_PROMPT,
  });
  if (res.status !== 204) throw new Error(`POST /inbox answered ${res.status}: ${await res.text()}`);
});

const peer = new ChatPeer({
  send,
  iceServers: () => iceServers,
  onState: (state, remote) => ui.setState(state, remote),
  onChat: (from, text) => ui.chat(from, text),
  log: ui.log,
});

/** Reads the inbox forever: 200 is a message (sender in X-From), 204 is "nothing yet". */
async function poll(): Promise<never> {
  for (;;) {
    try {
      const res = await fetch('/inbox', { headers: { Authorization: authorization }, ...NO_AUTH_PROMPT });
      if (res.status === 200) {
        const from = res.headers.get('X-From') ?? '';
        const text = await res.text();
        const signal = parseSignal(text);
        if (signal) await peer.handleSignal(from, signal);
        else ui.log(`ignored a message from ${from} that is not a signal`);
        continue;
      }
      if (res.status !== 204) ui.log(`GET /inbox answered ${res.status}: ${await res.text()}`);
    } catch (err) {
      ui.log(`poll failed: ${String(err)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_EVERY_MS));
  }
}

ui.onSignIn(async (name) => {
  authorization = basicAuth(name, crypto.randomUUID());
  const first = await fetch('/inbox', { headers: { Authorization: authorization }, ...NO_AUTH_PROMPT });
  if (first.status !== 204 && first.status !== 200) throw new Error(`cannot open inbox ${name}: ${first.status} ${await first.text()}`);
  iceServers = await fetchIceServers(authorization, ui.log);
  ui.signedIn(name);
  ui.setTransport('fetch polling');
  // The first GET may already have taken a message: hand it over before polling.
  if (first.status === 200) {
    const signal = parseSignal(await first.text());
    if (signal) await peer.handleSignal(first.headers.get('X-From') ?? '', signal);
  }
  void poll();
});
ui.onCall((remote) => peer.call(remote));
ui.onSay((text) => peer.say(text));
ui.onHangUp(() => peer.hangUp());
