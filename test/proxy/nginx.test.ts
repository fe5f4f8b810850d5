import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { basic, startServer, type TestServer } from '../helpers/server.ts';
import {
  CONF_PATH, OPERATIONS_PATH, configForTest, nginxSeconds, nginxSkipReason, rawExchange, startNginx, type RunningProxy,
} from './nginx-harness.ts';
import { throughProxyTests } from './through-proxy.ts';

// signalbox behind Debian's nginx with the configuration of docs/operations.md
// (docs/nginx/signalbox.conf), on loopback, plain HTTP instead of TLS.

const conf = readFileSync(CONF_PATH, 'utf8');
const skip = nginxSkipReason();
if (skip) console.log(`# nginx tests skipped: ${skip}`);

describe('the documented nginx configuration (docs/nginx/signalbox.conf)', () => {
  test('docs/operations.md quotes it verbatim', () => {
    const docs = readFileSync(OPERATIONS_PATH, 'utf8');
    assert.ok(docs.includes('```nginx\n' + conf + '```'), 'docs/operations.md must hold the file in one ```nginx block, unchanged');
  });

  test('proxy_read_timeout outlasts the longest long-poll (MAX_WAIT) and the WebSocket ping interval', () => {
    const values = [...conf.matchAll(/^\s*proxy_read_timeout\s+(\S+);/gm)].map((m) => nginxSeconds(m[1]));
    assert.ok(values.length > 0, 'proxy_read_timeout must be set (nginx defaults to 60 s)');
    const maxWaitSec = loadConfig({}).maxWaitMs / 1000;
    for (const v of values) {
      assert.ok(v > maxWaitSec, `proxy_read_timeout ${v} s must exceed MAX_WAIT (${maxWaitSec} s)`);
      assert.ok(v > 32, `proxy_read_timeout ${v} s must exceed the ~32 s between pings of an idle WebSocket`);
    }
  });

  test('speaks HTTP/1.1 upstream and turns buffering off for long-poll answers', () => {
    assert.match(conf, /^\s*proxy_http_version 1\.1;/m);
    assert.match(conf, /location = \/inbox \{[^}]*proxy_buffering off;[^}]*\}/);
  });

  test('passes upstream every request header signalbox reads (src/), and only a bounded list', () => {
    const passed = new Set([...conf.matchAll(/^\s*proxy_set_header\s+(\S+)\s/gm)].map((m) => m[1].toLowerCase()));
    assert.match(conf, /^\s*proxy_pass_request_headers off;/m);
    // uWS drops a request with 49 or more headers; nginx adds Content-Length or Transfer-Encoding itself.
    assert.ok(passed.size <= 40, `${passed.size} headers passed upstream`);
    const read = headersReadBySource();
    assert.ok(read.size >= 10, `found only ${[...read].join(', ')} in src/: the scan no longer matches the code`);
    const missing = [...read].filter((h) => !passed.has(h));
    assert.deepEqual(missing, [], 'headers read by signalbox but dropped by the nginx configuration');
  });

  test('the test variant differs only by the listen address and the upstream port', () => {
    const variant = configForTest(conf, 1234, 5678);
    assert.match(variant, /server 127\.0\.0\.1:1234;/);
    assert.match(variant, /listen 127\.0\.0\.1:5678;/);
    assert.doesNotMatch(variant, /ssl/);
  });
});

/** Lower-case names of the request headers the code asks uWS for (route options, header lists, upgrade handlers). */
function headersReadBySource(): Set<string> {
  const out = new Set<string>();
  const framing = new Set(['content-length', 'transfer-encoding']);
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ts') ? [path] : [];
    });
  for (const file of walk(new URL('../../src', import.meta.url).pathname)) {
    const text = readFileSync(file, 'utf8');
    const lists = [
      ...[...text.matchAll(/headers:\s*\[([^\]]*)\]/g)].map((m) => m[1]),
      ...[...text.matchAll(/_HEADERS\s*=\s*\[([^\]]*)\]/g)].map((m) => m[1]),
      ...[...text.matchAll(/getHeader\(\s*('[^']+')\s*\)/g)].map((m) => m[1]),
    ];
    for (const list of lists) {
      for (const m of list.matchAll(/'([a-z0-9-]+)'/g)) if (!framing.has(m[1])) out.add(m[1]);
    }
  }
  return out;
}

describe('signalbox behind nginx', { skip, timeout: 60_000 }, () => {
  let server: TestServer;
  let nginx: RunningProxy;
  const run = Date.now().toString(36);

  before(async () => {
    server = await startServer();
    nginx = await startNginx(server.port);
  });
  after(async () => {
    await nginx?.stop();
    await server?.close();
  });

  throughProxyTests('nginx', () => ({ server, proxy: nginx }));

  test('an HTTP/1.0 client is answered (nginx speaks HTTP/1.1 to signalbox)', async () => {
    const answer = await rawExchange(nginx.port, 'GET /__lbheartbeat__ HTTP/1.0\r\nHost: signal.example.com\r\n\r\n');
    assert.match(answer, /^HTTP\/1\.1 200 /);
    assert.ok(answer.endsWith('\r\n\r\n{}'), answer);
  });

  test('two different Content-Length headers are refused by nginx with 400', async () => {
    const smuggle = 'GET /__lbheartbeat__ HTTP/1.1\r\nHost: a\r\n\r\n';
    const answer = await rawExchange(
      nginx.port,
      `POST /inbox?to=x HTTP/1.1\r\nHost: a\r\nAuthorization: ${basic(`eve-${run}`, 'pw')}\r\n` +
        `Content-Length: 2\r\nContent-Length: ${2 + smuggle.length}\r\n\r\nhi${smuggle}`,
    );
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.match(answer, /Server: nginx/);
    assert.equal(answer.match(/^HTTP\/1\.1 /gm)?.length, 1, 'one answer: nothing was smuggled through');
  });

  test('a request with 60 headers is answered (uWS alone would drop it silently)', async () => {
    const headers: Record<string, string> = {};
    for (let i = 0; i < 60; i++) headers[`X-Extra-${i}`] = 'x';
    const res = await fetch(`${nginx.url}/__lbheartbeat__`, { headers, signal: AbortSignal.timeout(5000) });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {});
  });

  test('/__metrics__ is not served through nginx, under any spelling of its path', async () => {
    assert.equal((await fetch(`${server.url}/__metrics__`)).status, 200, 'signalbox itself serves it');
    for (const path of ['/__metrics__', '/__metrics__/', '/__metrics__?x=1', '//__metrics__', '/%5F%5Fmetrics%5F%5F', '/inbox/../__metrics__']) {
      const answer = await rawExchange(nginx.port, `GET ${path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
      const status = Number(answer.slice(9, 12));
      assert.ok(status === 403 || status === 404, `${path}: ${answer.slice(0, 40)}`);
      assert.doesNotMatch(answer, /signalbox_/, `${path} leaked metrics`);
    }
  });
});
