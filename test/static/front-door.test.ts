import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.ts';

// What a browser meets before the demo: the site root and the icon it asks for on its own.
let server: TestServer;
before(async () => {
  server = await startServer({}, { turn: null });
});
after(() => server.close());

const HTML = { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

test('GET / from a browser redirects to the demo, keeping the query string', async () => {
  for (const [path, location] of [['/', '/demo/'], ['/?transport=poll', '/demo/?transport=poll'], ['/?call=abc_-9&transport=websocket', '/demo/?call=abc_-9&transport=websocket']]) {
    const res = await fetch(server.url + path, { headers: HTML, redirect: 'manual' });
    assert.equal(res.status, 302, path);
    assert.equal(res.headers.get('location'), location, path);
  }
  const followed = await fetch(`${server.url}/?transport=poll`, { headers: HTML });
  assert.equal(followed.status, 200);
  assert.equal(followed.url, `${server.url}/demo/?transport=poll`);
  assert.match(await followed.text(), /<script type="module" src="app\.js"><\/script>/);
});

test('GET / without text/html in Accept is still the JSON service description', async () => {
  const res = await fetch(`${server.url}/?transport=poll`, { headers: { Accept: 'application/json' }, redirect: 'manual' });
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { name: string }).name, 'mozilla-loop-server');
});

test('/favicon.ico is a 200 image, the same one the pages link to as /demo/favicon.svg', async () => {
  const ico = await fetch(`${server.url}/favicon.ico`, { redirect: 'manual' });
  assert.equal(ico.status, 200);
  assert.equal(ico.headers.get('content-type'), 'image/svg+xml');
  const body = await ico.text();
  assert.match(body, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  const svg = await fetch(`${server.url}/demo/favicon.svg`);
  assert.equal(svg.status, 200);
  assert.equal(svg.headers.get('content-type'), 'image/svg+xml');
  assert.equal(await svg.text(), body);
  for (const page of ['/demo/', '/demo/plain.html']) {
    const html = await (await fetch(server.url + page)).text();
    assert.match(html, /<link rel="icon" href="favicon\.svg" type="image\/svg\+xml">/, page);
  }
});

test('/favicon.ico answers 405 to other methods, never the Loop redirect', async () => {
  const res = await fetch(`${server.url}/favicon.ico`, { method: 'POST', body: 'x', redirect: 'manual' });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get('allow'), 'GET');
});
