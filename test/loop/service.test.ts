import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestServer } from '../helpers/server.ts';
import { send, startLoopServer } from '../helpers/loop.ts';

let server: TestServer;
before(async () => {
  server = await startLoopServer();
});
after(() => server.close());

const nowSec = () => Math.floor(Date.now() / 1000);

test('§17.1–2 GET /v1/ and GET / answer the same JSON keys with 200', async () => {
  for (const path of ['/v1/', '/v1', '/']) {
    const r = await send(server, 'GET', path, undefined, { 'Accept-Language': 'fr,en;q=0.5' });
    assert.equal(r.status, 200, path);
    for (const key of ['name', 'description', 'homepage', 'endpoint', 'fakeTokBox', 'fxaOAuth', 'i18n']) assert.ok(key in r.json, key);
    assert.equal(r.json.i18n.defaultLang, 'en-US');
    assert.equal(r.json.i18n.lang, 'fr');
    assert.equal(r.json.fakeTokBox, true);
    assert.equal(r.json.fxaOAuth, true);
    assert.equal(r.json.endpoint, `http://127.0.0.1:${server.port}`);
    assert.equal(r.res.headers.get('content-type'), 'application/json; charset=utf-8');
  }
});

test('§17.3 an unknown unprefixed path is redirected (307) to /v1<path>, query dropped', async () => {
  const r = await send(server, 'GET', '/toto?x=1');
  assert.equal(r.status, 307);
  assert.equal(r.res.headers.get('location'), '/v1/toto');
  const put = await send(server, 'PUT', '/rooms');
  assert.equal(put.status, 307);
  assert.equal(put.res.headers.get('location'), '/v1/rooms');
});

test('§17.4 an unknown /v1 path (and /v1x) is 404 errno 999', async () => {
  for (const path of ['/v1/toto', '/v1x']) {
    const r = await send(server, 'GET', path);
    assert.equal(r.status, 404);
    assert.deepEqual(r.json, { code: 404, errno: 999, error: 'Resource not found.' });
  }
});

test('paths match case-insensitively, with one trailing slash, and HEAD answers as GET without body', async () => {
  const r = await send(server, 'GET', '/V1/Push-Server-Config/');
  assert.equal(r.status, 200);
  const head = await fetch(`${server.url}/v1/push-server-config`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
  const twoSlashes = await send(server, 'GET', '/v1/push-server-config//');
  assert.equal(twoSlashes.status, 404);
});

test('§17.5 /__lbheartbeat__ answers {} at both prefixes', async () => {
  for (const path of ['/v1/__lbheartbeat__', '/__lbheartbeat__']) {
    const r = await send(server, 'GET', path);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, {});
  }
});

test('§17.6 /__heartbeat__ reports storage, provider, push and fxaVerifier true', async () => {
  for (const path of ['/v1/__heartbeat__', '/__heartbeat__']) {
    const r = await send(server, 'GET', path);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { storage: true, provider: true, push: true, fxaVerifier: true });
  }
});

test('§17.7 /push-server-config gives one configured URI', async () => {
  const r = await send(server, 'GET', '/v1/push-server-config');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { pushServerURI: 'wss://push.services.mozilla.com/' });
});

test('/api-specs lists the resources with plain location and version', async () => {
  const r = await send(server, 'GET', '/v1/api-specs');
  assert.equal(r.status, 200);
  assert.equal(r.json.service.location, server.url);
  assert.equal(r.json.service.videur_version, '0.1');
  assert.ok(r.json.service.resources['/call-url'].POST.limits);
  assert.deepEqual(Object.keys(r.json.service.resources['regexp:/rooms/[a-zA-Z0-9_-]{11}']), ['PATCH', 'DELETE', 'GET', 'POST']);
});

test('§17.8 Timestamp on 200 (within 5 s) and 401, none on 204 and 400; §17.9 no X-Powered-By', async () => {
  const ok = await send(server, 'GET', '/v1/');
  const ts = Number(ok.res.headers.get('timestamp'));
  assert.ok(Number.isInteger(ts) && Math.abs(ts - nowSec()) <= 5, `Timestamp ${ts}`);
  const unauthorized = await send(server, 'GET', '/v1/call-url');
  assert.equal(unauthorized.status, 401);
  assert.ok(unauthorized.res.headers.get('timestamp'));
  const bad = await send(server, 'POST', '/v1/registration', '{oops');
  assert.equal(bad.status, 400);
  assert.equal(bad.res.headers.get('timestamp'), null);
  const preflight = await send(server, 'OPTIONS', '/v1/rooms', undefined, { Origin: 'http://allowed.test' });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.res.headers.get('timestamp'), null);
  for (const r of [ok, unauthorized, bad, preflight]) assert.equal(r.res.headers.get('x-powered-by'), null);
});

test('§17.10 an allowed Origin is reflected with Vary; another gets no Access-Control-Allow-Origin', async () => {
  const yes = await send(server, 'GET', '/v1/', undefined, { Origin: 'http://allowed.test' });
  assert.equal(yes.res.headers.get('access-control-allow-origin'), 'http://allowed.test');
  assert.match(yes.res.headers.get('vary') ?? '', /Origin/);
  const no = await send(server, 'GET', '/v1/', undefined, { Origin: 'http://other.test' });
  assert.equal(no.res.headers.get('access-control-allow-origin'), null);
});

test('§17.11 preflight on any path answers 204 with the methods and echoed headers', async () => {
  for (const path of ['/v1/rooms', '/nowhere']) {
    const r = await send(server, 'OPTIONS', path, undefined, {
      Origin: 'http://allowed.test', 'Access-Control-Request-Headers': 'authorization,content-type',
    });
    assert.equal(r.status, 204);
    assert.equal(r.res.headers.get('access-control-allow-methods'), 'GET,HEAD,PUT,PATCH,POST,DELETE');
    assert.equal(r.res.headers.get('access-control-allow-headers'), 'authorization,content-type');
    assert.equal(r.res.headers.get('access-control-allow-origin'), 'http://allowed.test');
    assert.equal(r.res.headers.get('access-control-max-age'), null);
    assert.equal(r.text, '');
  }
  const other = await send(server, 'OPTIONS', '/v1/registration', undefined, { Origin: 'http://other.test' });
  assert.equal(other.status, 200);
  assert.equal(other.res.headers.get('access-control-allow-origin'), null);
  assert.match(other.res.headers.get('allow') ?? '', /POST/);
});

test("signalbox's own paths are never redirected", async () => {
  const r = await send(server, 'PUT', '/__metrics__');
  assert.equal(r.status, 404);
  assert.equal(r.json.errno, 999);
});

test('GET / from a browser (Accept lists text/html) redirects to the demo; */* and JSON get the Loop JSON', async () => {
  const s = await startLoopServer();
  try {
    const page = await fetch(`${s.url}/`, { headers: { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }, redirect: 'manual' });
    assert.equal(page.status, 302);
    assert.equal(page.headers.get('location'), '/demo/');
    for (const accept of ['*/*', 'application/json']) {
      const api = await fetch(`${s.url}/`, { headers: { Accept: accept }, redirect: 'manual' });
      assert.equal(api.status, 200, accept);
      assert.equal((await api.json()).name, 'mozilla-loop-server');
    }
  } finally {
    await s.close();
  }
});
