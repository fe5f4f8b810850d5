// The demo page on the client library: InboxClient carries the signaling
// (WebSocket when it can, long-poll otherwise; `?transport=` forces one).
import { InboxClient } from '../src/client/index.ts';
import { runPage } from './page.ts';
import { basicAuth, fetchWithoutPrompt } from './signal.ts';

type Transport = 'auto' | 'websocket' | 'poll';

function requestedTransport(): Transport {
  const asked = new URLSearchParams(location.search).get('transport');
  return asked === 'websocket' || asked === 'poll' ? asked : 'auto';
}

runPage(async (name, password, events) => {
  const client = new InboxClient({ url: location.origin, username: name, password, transport: requestedTransport(), fetch: fetchWithoutPrompt });
  client.on('transport', (e) => {
    events.transport(e.transport ?? e.state);
    events.log(`transport: ${e.transport ?? e.state}${e.error ? ` (${e.error.message})` : ''}`);
  });
  client.on('error', (err) => events.lost(err));
  await client.start();
  void (async () => {
    for await (const m of client.messages()) await events.message(m.from, m.text());
  })().catch((err) => events.log(`stopped receiving: ${String(err)}`));
  return {
    authorization: basicAuth(name, password),
    send: (to, body) => client.send(to, body, 'application/json'),
    close: () => void client.close(),
  };
});
