import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Peer, done, metricValue, metrics, rawExchange, track } from '../helpers/inbox-client.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/eventually.ts';

const T = { timeout: 10_000 };

describe('DELETE, OPTIONS, methods, paths, service endpoints', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());
  const peer = (name: string, pw?: string) => new Peer(server.url, name, pw);

  test('DELETE: 204, the inbox and its queue are gone, the name is free for a new password', T, async () => {
    const alice = peer('d-alice', 'old');
    await done(alice.read());
    await done(peer('d-bob').send('d-alice', 'dropped'));
    const r = await done(alice.remove());
    assert.equal(r.status, 204);
    assert.equal(r.text, '');
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    assert.equal((await done(peer('d-bob').send('d-alice', 'x'))).status, 404);
    const reborn = peer('d-alice', 'new');
    assert.equal((await done(reborn.read())).status, 204, 'created anew, its queue empty');
    assert.equal((await done(alice.read())).status, 401);
  });

  test('DELETE with a wrong password: 401 with WWW-Authenticate, the inbox stays', T, async () => {
    await done(peer('d-keep', 'right').read());
    await done(peer('d-bob').send('d-keep', 'kept'));
    const r = await done(peer('d-keep', 'wrong').remove());
    assert.equal(r.status, 401);
    assert.equal(JSON.parse(r.text).error, 'wrong_password');
    assert.ok(r.headers.get('www-authenticate'));
    assert.equal((await done(peer('d-keep', 'right').read())).text, 'kept');
  });

  test('DELETE of an inbox that does not exist: 404 (and it is not created)', T, async () => {
    const r = await done(peer('d-none').remove());
    assert.equal(r.status, 404);
    assert.deepEqual(Object.keys(JSON.parse(r.text)).sort(), ['code', 'error', 'message']);
    assert.equal((await done(peer('d-bob').send('d-none', 'x'))).status, 404);
  });

  test('DELETE answers a waiting GET on that inbox 204 at once', T, async () => {
    const alice = peer('d-wait');
    const poll = track(done(alice.read({ wait: 20 })));
    await eventually(async () => metricValue(await metrics(server.url), 'signalbox_long_polls_waiting') === 1, 'the long-poll');
    assert.equal((await done(alice.remove())).status, 204);
    const r = await poll.promise;
    assert.equal(r.status, 204);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.equal(r.headers.get('x-read-ended'), 'gone', 'a client can tell this 204 from an empty inbox');
    assert.equal(r.headers.get('access-control-expose-headers'), 'X-From, X-Read-Ended', 'readable by cross-origin pages');
  });

  test('OPTIONS /inbox preflight: 204 with the CORS headers of the spec', T, async () => {
    const r = await done(fetch(`${server.url}/inbox`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, prefer' },
    }));
    assert.equal(r.status, 204);
    assert.equal(r.text, '');
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    assert.equal(r.headers.get('access-control-allow-methods'), 'GET, POST, DELETE, OPTIONS');
    assert.equal(r.headers.get('access-control-allow-headers'), 'Authorization, Content-Type, Prefer');
    assert.equal(r.headers.get('access-control-expose-headers'), 'X-From');
    assert.equal(r.headers.get('access-control-max-age'), '600');
    assert.equal(r.headers.get('cache-control'), 'no-store');
  });

  test('OPTIONS needs no credentials', T, async () => {
    assert.equal((await done(fetch(`${server.url}/inbox`, { method: 'OPTIONS' }))).status, 204);
  });

  test('CORS headers and no-store on every inbox response, errors included', T, async () => {
    await done(peer('c-owner').read());
    const origin = { Origin: 'https://anywhere.example' };
    const requests: (() => Promise<Response>)[] = [
      () => fetch(`${server.url}/inbox`, { headers: { ...origin, Authorization: peer('c-owner').auth } }), // 204
      () => fetch(`${server.url}/inbox`, { headers: origin }), // 401
      () => fetch(`${server.url}/inbox`, { headers: { ...origin, Authorization: peer('c-owner', 'bad').auth } }), // 401
      () => fetch(`${server.url}/inbox?wait=x`, { headers: { ...origin, Authorization: peer('c-owner').auth } }), // 400
      () => fetch(`${server.url}/inbox?to=c-nobody`, { method: 'POST', headers: { ...origin, Authorization: peer('c-owner').auth }, body: 'x' }), // 404
      () => fetch(`${server.url}/inbox?to=c-owner`, { method: 'POST', headers: { ...origin, Authorization: peer('c-owner').auth }, body: 'x' }), // 204
      () => fetch(`${server.url}/inbox`, { headers: { ...origin, Authorization: peer('c-owner').auth } }), // 200
      () => fetch(`${server.url}/inbox`, { method: 'PUT', headers: origin, body: 'x' }), // 405
      () => fetch(`${server.url}/inbox`, { method: 'DELETE', headers: { ...origin, Authorization: peer('c-nobody').auth } }), // 404
    ];
    const cases = [];
    for (const request of requests) cases.push(await done(request()));
    assert.deepEqual(cases.map((c) => c.status), [204, 401, 401, 400, 404, 204, 200, 405, 404]);
    for (const c of cases) {
      assert.equal(c.headers.get('access-control-allow-origin'), '*', String(c.status));
      assert.equal(c.headers.get('access-control-expose-headers'), 'X-From', String(c.status));
      assert.equal(c.headers.get('cache-control'), 'no-store', String(c.status));
    }
  });

  test('an unsupported method on /inbox: 405 with Allow and a JSON error', T, async () => {
    for (const method of ['PUT', 'PATCH']) {
      const r = await done(fetch(`${server.url}/inbox`, { method, body: 'x' }));
      assert.equal(r.status, 405, method);
      assert.equal(r.headers.get('allow'), 'GET, POST, DELETE, OPTIONS');
      assert.deepEqual(JSON.parse(r.text), { code: 405, error: 'method_not_allowed', message: JSON.parse(r.text).message });
    }
  });

  test('HEAD /inbox: 405 with Allow and no body, and the connection stays usable', T, async () => {
    const head = `HEAD /inbox HTTP/1.1\r\nHost: x\r\n\r\n`;
    const get = `GET /__lbheartbeat__ HTTP/1.1\r\nHost: x\r\n\r\n`;
    const raw = await rawExchange(server.port, [head + get], { waitMs: 500 });
    const responses = raw.text.split(/(?=HTTP\/1\.1 )/);
    assert.equal(responses.length, 2, raw.text);
    assert.match(responses[0], /^HTTP\/1\.1 405/);
    assert.match(responses[0], /\r\nAllow: GET, POST, DELETE, OPTIONS\r\n/i);
    assert.ok(responses[0].endsWith('\r\n\r\n'), 'a HEAD answer has no body');
    assert.match(responses[1], /^HTTP\/1\.1 200/);
  });

  test('an unknown path: 404 with a JSON body', T, async () => {
    for (const path of ['/nope', '/inbox/extra', '/inboxes']) {
      const r = await done(fetch(`${server.url}${path}`));
      assert.equal(r.status, 404, path);
      assert.match(r.headers.get('content-type') ?? '', /application\/json/, path);
      assert.equal(JSON.parse(r.text).code, 404, path);
    }
  });

  test('/__heartbeat__: 200 {"storage": true}', T, async () => {
    const r = await done(fetch(`${server.url}/__heartbeat__`));
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.text).storage, true);
  });

  test('/__lbheartbeat__: 200', T, async () => {
    assert.equal((await done(fetch(`${server.url}/__lbheartbeat__`))).status, 200);
  });

  test('/__metrics__: Prometheus text with the inbox gauges and request counters', T, async () => {
    const m = peer('m-owner');
    await done(m.read());
    await done(peer('m-sender').send('m-owner', 'counted'));
    await done(fetch(`${server.url}/inbox`)); // a 401
    const r = await fetch(`${server.url}/__metrics__`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await r.text();
    for (const name of ['signalbox_inboxes', 'signalbox_messages_queued', 'signalbox_long_polls_waiting', 'signalbox_websockets_open']) {
      assert.match(text, new RegExp(`^# TYPE ${name} gauge$`, 'm'), name);
    }
    assert.ok((metricValue(text, 'signalbox_inboxes') ?? 0) >= 2);
    assert.ok((metricValue(text, 'signalbox_messages_queued') ?? 0) >= 1);
    assert.ok((metricValue(text, 'signalbox_http_requests_total', '{route="GET /inbox",status="204"}') ?? 0) >= 1);
    assert.ok((metricValue(text, 'signalbox_http_requests_total', '{route="POST /inbox",status="204"}') ?? 0) >= 1);
    assert.ok((metricValue(text, 'signalbox_http_requests_total', '{route="GET /inbox",status="401"}') ?? 0) >= 1);
    assert.match(text, /^signalbox_http_request_duration_seconds_bucket\{le="[^"]+",route="GET \/inbox"\} \d+$/m);
  });
});

describe('CORS_ORIGINS configured as a list', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ CORS_ORIGINS: 'https://a.example,http://localhost:3000' });
  });
  after(() => server.close());

  test('an allowed origin is echoed, with Vary: Origin, on responses and preflights', T, async () => {
    for (const origin of ['https://a.example', 'http://localhost:3000']) {
      const r = await done(fetch(`${server.url}/inbox`, { headers: { Origin: origin } })); // 401
      assert.equal(r.status, 401);
      assert.equal(r.headers.get('access-control-allow-origin'), origin);
      assert.match(r.headers.get('vary') ?? '', /Origin/);
      assert.equal(r.headers.get('access-control-expose-headers'), 'X-From');
      const pre = await done(fetch(`${server.url}/inbox`, { method: 'OPTIONS', headers: { Origin: origin } }));
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('access-control-allow-origin'), origin);
      assert.equal(pre.headers.get('access-control-allow-methods'), 'GET, POST, DELETE, OPTIONS');
    }
  });

  test('another origin, or none, gets no Access-Control-Allow-Origin (the browser refuses)', T, async () => {
    for (const headers of [{ Origin: 'https://evil.example' }, { Origin: 'https://a.example.evil' }, { Origin: 'null' }, {}] as Record<string, string>[]) {
      const r = await done(fetch(`${server.url}/inbox`, { headers: { ...headers, Authorization: new Peer(server.url, 'cors-x').auth } }));
      assert.equal(r.status, 204);
      assert.equal(r.headers.get('access-control-allow-origin'), null, JSON.stringify(headers));
      assert.match(r.headers.get('vary') ?? '', /Origin/);
      assert.equal(r.headers.get('cache-control'), 'no-store');
      const pre = await done(fetch(`${server.url}/inbox`, { method: 'OPTIONS', headers }));
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('access-control-allow-origin'), null);
    }
  });
});

describe('shutdown', () => {
  test('closing the server answers waiting long-polls 204, then refuses connections', T, async () => {
    const server = await startServer();
    const alice = new Peer(server.url, 'sd-alice');
    const polls = [track(done(alice.read({ wait: 30 }))), track(done(new Peer(server.url, 'sd-bob').read({ wait: 30 })))];
    await eventually(async () => metricValue(await metrics(server.url), 'signalbox_long_polls_waiting') === 2, 'two long-polls');
    await server.close();
    const answers = await Promise.all(polls.map((p) => p.promise));
    assert.deepEqual(answers.map((a) => a.status), [204, 204]);
    assert.deepEqual(answers.map((a) => a.headers.get('x-read-ended')), [null, null], 'a stop is no reason to give up the inbox');
    await assert.rejects(fetch(`${server.url}/__lbheartbeat__`), 'the port is closed');
  });
});
