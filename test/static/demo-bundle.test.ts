import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.ts';

// The real demo, bundled by esbuild inside the real server.
let server: TestServer;
before(async () => {
  server = await startServer({}, { turn: null });
});
after(() => server.close());

test('the demo page loads its stylesheet and its bundled script', async () => {
  const html = await (await fetch(`${server.url}/demo/`)).text();
  assert.match(html, /<script type="module" src="app\.js"><\/script>/);
  assert.match(html, /<link rel="stylesheet" href="style\.css">/);
  const plain = await (await fetch(`${server.url}/demo/plain.html`)).text();
  assert.match(plain, /<script type="module" src="plain\.js"><\/script>/);
});

test('app.js and plain.js are browser bundles: no imports left, no TypeScript, the WebRTC code inside', async () => {
  for (const [path, mustContain] of [
    ['/demo/app.js', ['RTCPeerConnection', '/inbox/ws', 'createDataChannel']],
    ['/demo/plain.js', ['RTCPeerConnection', 'X-From', "credentials: \"omit\""]],
  ] as const) {
    const res = await fetch(server.url + path);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('content-type'), 'text/javascript; charset=utf-8');
    const js = await res.text();
    for (const needle of mustContain) assert.ok(js.includes(needle), `${path} contains ${needle}`);
    assert.doesNotMatch(js, /^\s*import\s/m, `${path} is self-contained`);
    assert.doesNotMatch(js, /\binterface\s+\w+\s*\{/, `${path} has no TypeScript left`);
  }
});

test('paths under /demo/ that are not files are JSON 404s, not redirects', async () => {
  const res = await fetch(`${server.url}/demo/app.ts`, { redirect: 'manual' });
  assert.equal(res.status, 404);
  assert.equal(((await res.json()) as { error: string }).error, 'not_found');
});
