import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Hawk from 'hawk';
import { startCluster, type Cluster, type ClusterApp } from '../helpers/cluster.ts';
import { loopEnv, register, type Creds } from '../helpers/loop.ts';

// Behind a load balancer every node is reached at one public host and port:
// Hawk signatures are checked against that (the Loop `hawk` setting), not
// against each app's own port.
const PUBLIC = { host: 'loop.test', port: 443 };
let cluster: Cluster;
before(async () => {
  cluster = await startCluster(3, loopEnv({ hawk: PUBLIC, protocol: 'https', publicServerAddress: 'loop.test' }));
});
after(() => cluster.close());

/** A request signed for the public address, sent to one app. */
async function signed(app: ClusterApp, creds: Creds, method: string, path: string, authorization?: string) {
  const header = Hawk.client.header(`https://${PUBLIC.host}:${PUBLIC.port}${path}`, method, { credentials: creds }).header;
  const res = await fetch(`${app.url}${path}`, { method, headers: { Authorization: authorization ?? header } });
  return { status: res.status, body: await res.text(), authorization: authorization ?? header };
}

test('a Hawk session made on one app is used on another', async () => {
  const [a, b, c] = cluster.apps;
  // a registered session (fake BrowserID), as DELETE /session needs
  const { creds } = await register(a, { identity: 'cluster@example.com' });
  assert.equal((await signed(b, creds, 'GET', '/v1/call-url')).status, 200);
  assert.equal((await signed(c, creds, 'GET', '/v1/rooms')).status, 200);
  // and deleting it on one app ends it on every app
  assert.equal((await signed(c, creds, 'DELETE', '/v1/session')).status, 204);
  assert.equal((await signed(a, creds, 'GET', '/v1/call-url')).status, 401);
});

test('a nonce used on one app is refused as a replay on another', async () => {
  const [a, b] = cluster.apps;
  const { creds } = await register(b);
  const first = await signed(a, creds, 'GET', '/v1/call-url');
  assert.equal(first.status, 200);
  const replay = await signed(b, creds, 'GET', '/v1/call-url', first.authorization);
  assert.equal(replay.status, 401);
  assert.match(replay.body, /Invalid nonce/);
});

test('a call URL made on one app is read, called and listed through the others', async () => {
  const [a, b, c] = cluster.apps;
  const { creds } = await register(a);
  const made = await fetch(`${a.url}/v1/call-url`, {
    method: 'POST',
    headers: {
      Authorization: Hawk.client.header(`https://${PUBLIC.host}:${PUBLIC.port}/v1/call-url`, 'POST', {
        credentials: creds, payload: '{"callerId":"alice"}', contentType: 'application/json',
      }).header,
      'Content-Type': 'application/json',
    },
    body: '{"callerId":"alice"}',
  });
  assert.equal(made.status, 200);
  const { callToken } = (await made.json()) as { callToken: string };
  const info = await fetch(`${b.url}/v1/calls/${callToken}`);
  assert.equal(info.status, 200);
  assert.equal(((await info.json()) as { calleeFriendlyName: string }).calleeFriendlyName, '');
  const list = await signed(c, creds, 'GET', '/v1/call-url');
  assert.deepEqual((JSON.parse(list.body) as { callerId: string }[]).map((u) => u.callerId), ['alice']);
});
