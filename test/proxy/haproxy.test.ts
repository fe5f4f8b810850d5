import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { eventually } from '../helpers/eventually.ts';
import { basic, startServer, type TestServer } from '../helpers/server.ts';
import {
  HAPROXY_CONF_PATH, haproxyConfigForTest, haproxySeconds, haproxySkipReason, serverStat, startHaproxy, type RunningHaproxy,
} from './haproxy-harness.ts';
import { OPERATIONS_PATH, rawExchange, type RunningProxy } from './proxy-process.ts';
import { throughProxyTests } from './through-proxy.ts';

// signalbox behind Debian's HAProxy with the configuration of docs/operations.md
// (docs/haproxy/signalbox.cfg), on loopback, plain HTTP instead of TLS.

const conf = readFileSync(HAPROXY_CONF_PATH, 'utf8');
const skip = haproxySkipReason();
if (skip) console.log(`# HAProxy tests skipped: ${skip}`);

/** The value of `timeout NAME` in the configuration, in seconds. */
function timeoutSec(name: string): number {
  const m = new RegExp(`^\\s*timeout ${name}\\s+(\\S+)`, 'm').exec(conf);
  assert.ok(m, `timeout ${name} must be set`);
  return haproxySeconds(m[1]);
}

describe('the documented HAProxy configuration (docs/haproxy/signalbox.cfg)', () => {
  test('docs/operations.md quotes it verbatim', () => {
    const docs = readFileSync(OPERATIONS_PATH, 'utf8');
    assert.ok(docs.includes('```haproxy\n' + conf + '```'), 'docs/operations.md must hold the file in one ```haproxy block, unchanged');
  });

  test('its timeouts outlast the longest long-poll (MAX_WAIT) and the WebSocket ping interval', () => {
    const maxWaitSec = loadConfig({}).maxWaitMs / 1000;
    for (const name of ['client', 'server']) assert.ok(timeoutSec(name) > maxWaitSec, `timeout ${name} must exceed MAX_WAIT (${maxWaitSec} s)`);
    assert.ok(timeoutSec('tunnel') > 32, 'timeout tunnel must exceed the ~32 s between pings of an idle WebSocket');
  });

  test('the test variant differs only by the bind address and the backend port', () => {
    const variant = haproxyConfigForTest(conf, 1234, 5678);
    assert.match(variant, /server signalbox1 127\.0\.0\.1:1234 check/);
    assert.match(variant, /bind 127\.0\.0\.1:5678\n/);
    assert.doesNotMatch(variant, /ssl/);
    assert.equal(variant.split('\n').length, conf.split('\n').length);
  });
});

describe('signalbox behind HAProxy', { skip, timeout: 60_000 }, () => {
  let server: TestServer;
  let haproxy: RunningHaproxy;
  const run = Date.now().toString(36);

  before(async () => {
    server = await startServer();
    haproxy = await startHaproxy(server.port);
  });
  after(async () => {
    await haproxy?.stop();
    await server?.close();
  });

  throughProxyTests('HAProxy', () => ({ server, proxy: haproxy }));

  test("HAProxy's health check finds signalbox up (GET /__lbheartbeat__ answered 200)", async () => {
    let stat: Record<string, string> = {};
    await eventually(async () => {
      stat = serverStat(await haproxy.admin('show stat'), 'signalbox', 'signalbox1');
      return stat.check_status !== '' && !stat.check_status.includes('INI'); // '* INI': no check has ended yet
    }, 'a first health check', 10_000);
    assert.equal(stat.check_status, 'L7OK', JSON.stringify(stat));
    assert.equal(stat.check_code, '200');
    assert.equal(stat.status, 'UP');
  });

  test('an HTTP/1.0 request is refused by HAProxy with 400 (uWS would leave it unanswered)', async () => {
    const answer = await rawExchange(haproxy.port, 'GET /__lbheartbeat__ HTTP/1.0\r\nHost: signal.example.com\r\n\r\n');
    assert.match(answer, /^HTTP\/1\.[01] 400 /);
  });

  test('two different Content-Length headers are refused by HAProxy with 400', async () => {
    const smuggle = 'GET /__lbheartbeat__ HTTP/1.1\r\nHost: a\r\n\r\n';
    const answer = await rawExchange(
      haproxy.port,
      `POST /inbox?to=x HTTP/1.1\r\nHost: a\r\nAuthorization: ${basic(`eve-${run}`, 'pw')}\r\n` +
        `Content-Length: 2\r\nContent-Length: ${2 + smuggle.length}\r\n\r\nhi${smuggle}`,
    );
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.equal(answer.match(/^HTTP\/1\.1 /gm)?.length, 1, 'one answer: nothing was smuggled through');
  });

  test('a request with 60 headers gets 400 from HAProxy (uWS alone would drop it silently); one with 30 passes', async () => {
    const withHeaders = (n: number) => {
      const headers: Record<string, string> = {};
      for (let i = 0; i < n; i++) headers[`X-Extra-${i}`] = 'x';
      return fetch(`${haproxy.url}/__lbheartbeat__`, { headers, signal: AbortSignal.timeout(5000) });
    };
    assert.equal((await withHeaders(60)).status, 400);
    const fine = await withHeaders(30);
    assert.equal(fine.status, 200);
    assert.deepEqual(await fine.json(), {});
  });

  test('/__metrics__ is not served through HAProxy, under any spelling of its path', async () => {
    assert.equal((await fetch(`${server.url}/__metrics__`)).status, 200, 'signalbox itself serves it');
    const statusOf = async (path: string) => {
      const answer = await rawExchange(haproxy.port, `GET ${path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
      assert.doesNotMatch(answer, /signalbox_/, `${path} leaked metrics`);
      return { status: Number(answer.slice(9, 12)), answer: answer.slice(0, 200) };
    };
    // HAProxy refuses what starts with the path; it does not normalise paths, and signalbox
    // does not either: other spellings reach it and are not the metrics route there.
    for (const path of ['/__metrics__', '/__metrics__/', '/__metrics__?x=1']) assert.equal((await statusOf(path)).status, 404, path);
    // An unknown path without /v1 is taken for an old Loop client's: redirected under /v1, never to the metrics.
    for (const path of ['//__metrics__', '/%5F%5Fmetrics%5F%5F', '/inbox/../__metrics__']) {
      const { status, answer } = await statusOf(path);
      // (HAProxy sends header names in lower case.)
      assert.ok(status === 404 || (status === 307 && answer.toLowerCase().includes(`\r\nlocation: /v1${path.toLowerCase()}\r\n`)), `${path}: ${answer}`);
    }
  });
});

describe('signalbox behind HAProxy: the client address', { skip, timeout: 30_000 }, () => {
  const LIMIT = 3;
  let server: TestServer;
  let haproxy: RunningProxy;

  before(async () => {
    // HAProxy is the trusted proxy; its X-Forwarded-For says who the client is, and limits apply per client.
    server = await startServer({ TRUST_PROXY: '127.0.0.1', RATE_LIMITS: 'on', RATE_LIMIT_NEW_INBOXES: String(LIMIT) });
    haproxy = await startHaproxy(server.port);
  });
  after(async () => {
    await haproxy?.stop();
    await server?.close();
  });

  test('an X-Forwarded-For sent by the client is replaced, so it cannot dodge the per-client limits', async () => {
    const run = Date.now().toString(36);
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++) {
      const res = await fetch(`${haproxy.url}/inbox`, { headers: { Authorization: basic(`x${i}-${run}`, 'pw'), 'X-Forwarded-For': `203.0.113.${i + 1}` } });
      statuses.push(res.status);
    }
    assert.deepEqual(statuses, [...Array(LIMIT).fill(204), 429, 429]);
    // The control: straight to signalbox from a trusted address, the same header does name a new client each time.
    for (let i = 0; i < LIMIT + 2; i++) {
      const res = await fetch(`${server.url}/inbox`, { headers: { Authorization: basic(`y${i}-${run}`, 'pw'), 'X-Forwarded-For': `198.51.100.${i + 1}` } });
      assert.equal(res.status, 204, `request ${i}`);
    }
  });
});
