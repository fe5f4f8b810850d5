import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { createLogger } from '../../src/logger.ts';
import { HttpServer } from '../../src/http/server.ts';
import { loadUwsCore } from '../../src/http/uws.ts';
import { StaticFiles } from '../../src/static/files.ts';
import { registerStaticRoutes } from '../../src/static/http-routes.ts';

// The static module alone on a real uWS server, over a temporary directory
// and a fake bundler, so every byte served is known.
const dir = mkdtempSync(join(tmpdir(), 'signalbox-static-'));
const FILES: Record<string, string> = {
  'index.html': '<!doctype html><title>index</title>',
  'plain.html': '<!doctype html><title>plain</title>',
  'style.css': 'body { color: red }',
  'favicon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
  'app.ts': 'export const secretSource = 1;',
  'secret.txt': 'not for the web',
};
for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);

let bundleCalls: string[] = [];
let failNextBundle = false;
async function fakeBundle(d: string, entry: string): Promise<Uint8Array> {
  bundleCalls.push(entry);
  assert.equal(d, dir);
  await new Promise((resolve) => setTimeout(resolve, 20));
  if (failNextBundle) {
    failNextBundle = false;
    throw new Error('bundler exploded');
  }
  return new TextEncoder().encode(`console.log(${JSON.stringify(entry)})`);
}

let http: HttpServer;
let base: string;
let files: StaticFiles;
before(async () => {
  http = new HttpServer(loadUwsCore(), createLogger('silent'), () => {});
  files = new StaticFiles({ dir, bundle: fakeBundle });
  registerStaticRoutes(http, files, createLogger('silent'));
  http.notFound();
  base = `http://127.0.0.1:${await http.listen('127.0.0.1', 0)}`;
});
after(() => {
  http.closeAll();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  bundleCalls = [];
});

/** A request with the path sent exactly as written (fetch would normalize `..`). */
function raw(path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/`, { method, path, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

test('each file of the table is served with its content type, an ETag and revalidation caching', async () => {
  const cases: [string, string, string][] = [
    ['/demo/', 'text/html; charset=utf-8', FILES['index.html']],
    ['/demo/index.html', 'text/html; charset=utf-8', FILES['index.html']],
    ['/demo/plain.html', 'text/html; charset=utf-8', FILES['plain.html']],
    ['/demo/style.css', 'text/css; charset=utf-8', FILES['style.css']],
    ['/demo/app.js', 'text/javascript; charset=utf-8', 'console.log("app.ts")'],
    ['/demo/plain.js', 'text/javascript; charset=utf-8', 'console.log("plain.ts")'],
    ['/demo/favicon.svg', 'image/svg+xml', FILES['favicon.svg']],
    ['/favicon.ico', 'image/svg+xml', FILES['favicon.svg']],
  ];
  for (const [path, type, body] of cases) {
    const res = await fetch(base + path);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('content-type'), type, path);
    assert.equal(res.headers.get('cache-control'), 'no-cache', path);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
    assert.match(res.headers.get('etag') ?? '', /^"[\w-]{22}"$/, path);
    assert.equal(await res.text(), body, path);
    const isHtml = type.startsWith('text/html');
    assert.equal(res.headers.has('content-security-policy'), isHtml, path);
  }
});

test('each entry is bundled once, on first request, even for concurrent first requests', async () => {
  const fresh = new StaticFiles({ dir, bundle: fakeBundle });
  await fresh.get('/demo/');
  assert.deepEqual(bundleCalls, [], 'HTML needs no bundle');
  const got = await Promise.all(['/demo/app.js', '/demo/app.js', '/demo/plain.js'].map((p) => fresh.get(p)));
  assert.deepEqual(bundleCalls.sort(), ['app.ts', 'plain.ts']);
  assert.equal(got[0]?.body.toString(), 'console.log("app.ts")');
  assert.equal(got[0], got[1]);
  await fresh.get('/demo/app.js');
  assert.equal(bundleCalls.length, 2);
});

test('a matching If-None-Match is a 304 without body', async () => {
  const first = await fetch(`${base}/demo/style.css`);
  const etag = first.headers.get('etag')!;
  const again = await fetch(`${base}/demo/style.css`, { headers: { 'If-None-Match': `"other", ${etag}` } });
  assert.equal(again.status, 304);
  assert.equal(again.headers.get('etag'), etag);
  assert.equal(await again.text(), '');
  const stale = await fetch(`${base}/demo/style.css`, { headers: { 'If-None-Match': '"other"' } });
  assert.equal(stale.status, 200);
});

test('/demo redirects to /demo/, keeping the query', async () => {
  let res = await raw('/demo');
  assert.equal(res.status, 301);
  assert.equal(res.headers.location, '/demo/');
  res = await raw('/demo?transport=poll');
  assert.equal(res.status, 301);
  assert.equal(res.headers.location, '/demo/?transport=poll');
});

test('anything outside the table is a JSON 404: no traversal, no sources, no other files', async () => {
  const paths = [
    '/demo/../package.json', '/demo/%2e%2e/package.json', '/demo/..%2fpackage.json', '/demo/..\\package.json',
    '/demo//etc/passwd', '/demo/%2fetc%2fpasswd', '/demo/app.ts', '/demo/secret.txt', '/demo/INDEX.HTML',
    '/demo/index.html/', '/demo/style.css%00.html', '/demo/nope', '/demo/a/b/c.js',
  ];
  for (const path of paths) {
    const res = await raw(path);
    assert.equal(res.status, 404, path);
    assert.match(String(res.headers['content-type']), /^application\/json/, path);
    assert.equal(JSON.parse(res.body).error, 'not_found', path);
    assert.ok(!res.body.includes('not for the web') && !res.body.includes('secretSource'), path);
  }
});

test('methods other than GET are 405 with Allow: GET', async () => {
  for (const [method, path] of [['POST', '/demo/'], ['PUT', '/demo/style.css'], ['DELETE', '/demo'], ['POST', '/favicon.ico']]) {
    const res = await raw(path, method);
    assert.equal(res.status, 405, `${method} ${path}`);
    assert.equal(res.headers.allow, 'GET');
  }
});

test('a failed build is a 503 and is retried by the next request', async () => {
  const flaky = new StaticFiles({ dir, bundle: fakeBundle });
  failNextBundle = true;
  await assert.rejects(flaky.get('/demo/app.js'), /bundler exploded/);
  assert.equal((await flaky.get('/demo/app.js'))?.body.toString(), 'console.log("app.ts")');
  assert.deepEqual(bundleCalls, ['app.ts', 'app.ts']);

  // Through HTTP: a server whose files fail to load answers 503 demo_unavailable.
  const broken = new HttpServer(loadUwsCore(), createLogger('silent'), () => {});
  registerStaticRoutes(broken, new StaticFiles({ dir: join(dir, 'missing'), bundle: fakeBundle }), createLogger('silent'));
  const port = await broken.listen('127.0.0.1', 0);
  try {
    const res = await fetch(`http://127.0.0.1:${port}/demo/`);
    assert.equal(res.status, 503);
    assert.equal(((await res.json()) as { error: string }).error, 'demo_unavailable');
  } finally {
    broken.closeAll();
  }
});
