// The demo page on the client library: InboxClient carries the signaling
// (WebSocket when it can, long-poll otherwise; `?transport=` forces one).
import { InboxClient } from '../src/client/index.ts';
import { ChatPeer } from './peer.ts';
import { basicAuth, fetchIceServers, fetchWithoutPrompt, inOrder, parseSignal } from './signal.ts';
import { bindUi } from './ui.ts';

type Transport = 'auto' | 'websocket' | 'poll';

function requestedTransport(): Transport {
  const asked = new URLSearchParams(location.search).get('transport');
  return asked === 'websocket' || asked === 'poll' ? asked : 'auto';
}

const ui = bindUi();
let client: InboxClient | null = null;
let iceServers: RTCIceServer[] = [];

const send = inOrder(async (to, body) => {
  if (!client) throw new Error('not signed in');
  await client.send(to, body, 'application/json');
});

const peer = new ChatPeer({
  send,
  iceServers: () => iceServers,
  onState: (state, remote) => ui.setState(state, remote),
  onChat: (from, text) => ui.chat(from, text),
  log: ui.log,
});

/** Handles signals one at a time, in inbox order. */
async function receive(c: InboxClient): Promise<void> {
  for await (const message of c.messages()) {
    const signal = parseSignal(message.text());
    if (!signal) {
      ui.log(`ignored a message from ${message.from} that is not a signal`);
      continue;
    }
    try {
      await peer.handleSignal(message.from, signal);
    } catch (err) {
      ui.log(`could not apply ${signal.type} from ${message.from}: ${String(err)}`);
    }
  }
}

ui.onSignIn(async (name) => {
  const password = crypto.randomUUID();
  const transport = requestedTransport();
  const c = new InboxClient({ url: location.origin, username: name, password, transport, fetch: fetchWithoutPrompt });
  c.on('transport', (e) => {
    ui.setTransport(e.transport ?? e.state);
    ui.log(`transport: ${e.transport ?? e.state}${e.error ? ` (${e.error.message})` : ''}`);
  });
  c.on('error', (err) => ui.log(`client error: ${err.message}`));
  await c.start();
  client = c;
  iceServers = await fetchIceServers(basicAuth(name, password), ui.log);
  ui.signedIn(name);
  void receive(c).catch((err) => ui.log(`stopped receiving: ${String(err)}`));
});
ui.onCall((remote) => peer.call(remote));
ui.onSay((text) => peer.say(text));
ui.onHangUp(() => peer.hangUp());
addEventListener('pagehide', () => client?.close());
