import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HttpPushNotifier } from '../../../src/loop/external/push.ts';
import { DEFAULT_PUSH_OPTIONS } from '../../../src/loop/external/options.ts';
import { OutboundClient } from '../../../src/net/outbound-http.ts';
import { captureLog, deadUrl, startLocalServer, testOutbound, type LocalServer } from './local-server.ts';

let ok: LocalServer;
let failing: LocalServer;
before(async () => {
  ok = await startLocalServer((_req, res) => res.writeHead(200).end('ok'));
  failing = await startLocalServer((_req, res) => res.writeHead(500).end('boom'));
});
after(async () => {
  await ok.close();
  await failing.close();
});

function notifier(options: Partial<typeof DEFAULT_PUSH_OPTIONS> = {}) {
  const { log, lines } = captureLog();
  return { push: new HttpPushNotifier({ ...DEFAULT_PUSH_OPTIONS, ...options }, log, testOutbound(log)), lines };
}

test('a notification is a PUT with the form body version=N and no auth', async () => {
  const { push } = notifier();
  const before = ok.requests.length;
  push.notify([`${ok.url}/update/abc`], 1_700_000_000);
  await push.idle();
  const got = ok.requests.slice(before);
  assert.equal(got.length, 1);
  assert.equal(got[0].method, 'PUT');
  assert.equal(got[0].url, '/update/abc');
  assert.equal(got[0].headers['content-type'], 'application/x-www-form-urlencoded');
  assert.equal(got[0].headers.authorization, undefined);
  assert.equal(got[0].body, 'version=1700000000');
});

test('notify returns at once (fire-and-forget) and idle() waits for the requests', async () => {
  const { push } = notifier();
  const before = ok.requests.length;
  push.notify([`${ok.url}/a`], 7);
  assert.equal(ok.requests.length, before, 'nothing has reached the server when notify returns');
  assert.equal(push.pending, 1);
  await push.idle();
  assert.equal(push.pending, 0);
  assert.equal(ok.requests.length, before + 1);
  await push.idle(); // resolves at once when nothing is in flight
});

test('duplicates are sent once; non-http(s) and invalid URLs are never called', async () => {
  const { push, lines } = notifier();
  const before = ok.requests.length;
  push.notify([`${ok.url}/x`, `${ok.url}/y`, `${ok.url}/x`, 'ftp://127.0.0.1/x', 'javascript:alert(1)', 'not a url', `${ok.url}/y`], 3);
  await push.idle();
  assert.deepEqual(ok.requests.slice(before).map((r) => r.url).sort(), ['/x', '/y']);
  assert.equal(lines.filter((l) => l.msg === 'push URL is not http(s): not called').length, 3);
});

test('a 500 and a refused connection are only logged', async () => {
  const { push, lines } = notifier();
  const dead = await deadUrl();
  push.notify([`${failing.url}/p`, `${dead}/p`, `${ok.url}/fine`], 9);
  await push.idle();
  assert.equal(failing.requests.at(-1)!.body, 'version=9');
  const warnings = lines.filter((l) => l.level === 40);
  assert.equal(warnings.find((l) => l.origin === failing.url)?.status, 500);
  assert.match(String(warnings.find((l) => l.origin === dead)?.error), /ECONNREFUSED/);
  assert.equal(warnings.length, 2);
  assert.ok(!JSON.stringify(lines).includes('/p'), 'URL paths (push capabilities) are not logged');
});

test('a server that does not answer is given up after timeoutMs, and only logged', async () => {
  const slow = await startLocalServer(() => {}); // never answers
  try {
    const { push, lines } = notifier({ timeoutMs: 200 });
    push.notify([`${slow.url}/p`], 9);
    await push.idle();
    assert.equal(slow.requests.at(-1)!.body, 'version=9');
    const warnings = lines.filter((l) => l.level === 40);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0].origin, slow.url);
    assert.match(String(warnings[0].error), /timeout/i);
  } finally {
    await slow.close();
  }
});

test('redirects are not followed', async () => {
  const redirect = await startLocalServer((_req, res) => res.writeHead(307, { Location: `${ok.url}/moved` }).end());
  try {
    const { push, lines } = notifier();
    push.notify([`${redirect.url}/r`], 1);
    await push.idle();
    assert.equal(ok.requests.filter((r) => r.url === '/moved').length, 0);
    assert.equal(lines.find((l) => l.origin === redirect.url)?.status, 307);
  } finally {
    await redirect.close();
  }
});

test('at most maxConcurrency requests are in flight; the rest wait their turn', async () => {
  let inFlight = 0;
  let peak = 0;
  const releases: (() => void)[] = [];
  const gate = await startLocalServer((_req, res) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    releases.push(() => {
      inFlight--;
      res.writeHead(200).end();
    });
  });
  try {
    const { push } = notifier({ maxConcurrency: 2 });
    push.notify([1, 2, 3, 4, 5].map((i) => `${gate.url}/${i}`), 1);
    assert.equal(push.pending, 5);
    let idle = false;
    const done = push.idle().then(() => (idle = true));
    while (gate.requests.length < 2) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(gate.requests.length, 2, 'the third waits while two are in flight');
    for (let answered = 0; answered < 5; answered++) {
      while (releases.length === 0) await new Promise((r) => setTimeout(r, 5));
      assert.equal(idle, false);
      releases.shift()!();
    }
    await done;
    assert.equal(gate.requests.length, 5);
    assert.equal(peak, 2);
    assert.deepEqual(gate.requests.map((r) => r.url), ['/1', '/2', '/3', '/4', '/5']);
  } finally {
    await gate.close();
  }
});

test('beyond maxQueued, notifications are dropped and logged', async () => {
  const { push, lines } = notifier({ maxConcurrency: 1, maxQueued: 2 });
  const before = ok.requests.length;
  push.notify([1, 2, 3, 4, 5].map((i) => `${ok.url}/q${i}`), 1);
  await push.idle();
  // q1 starts, q2 and q3 wait, q4 and q5 are dropped.
  assert.deepEqual(ok.requests.slice(before).map((r) => r.url), ['/q1', '/q2', '/q3']);
  assert.equal(lines.filter((l) => l.msg === 'push queue full: notification dropped').length, 2);
});

test('a non-numeric version is refused; fractions are floored', async () => {
  const { push, lines } = notifier();
  const before = ok.requests.length;
  push.notify([`${ok.url}/v`], Number.NaN);
  push.notify([`${ok.url}/v`], 12.9);
  await push.idle();
  assert.deepEqual(ok.requests.slice(before).map((r) => r.body), ['version=12']);
  assert.equal(lines.filter((l) => l.msg === 'push notification with a non-numeric version not sent').length, 1);
});

test('by default (no OUTBOUND_ALLOW) a push to 127.0.0.1 or to localhost is refused: nothing reaches the server', async () => {
  const { log, lines } = captureLog();
  const push = new HttpPushNotifier(DEFAULT_PUSH_OPTIONS, log, new OutboundClient({ log }));
  const before = ok.requests.length;
  const port = new URL(ok.url).port;
  const urls = [`${ok.url}/internal/admin?x=1`, `http://localhost:${port}/a`, `http://[::ffff:127.0.0.1]:${port}/b`];
  push.notify(urls, 1);
  await push.idle();
  push.notify(urls, 2); // the same URLs again: refused again, logged at debug only
  await push.idle();
  assert.equal(ok.requests.length, before, 'the capture server received nothing');
  const warns = lines.filter((l) => l.level === 40);
  assert.equal(warns.length, 3, 'one warning per URL');
  assert.ok(warns.every((l) => /^outbound request refused: .* is a loopback address/.test(String(l.msg)) && l.range === 'loopback'));
  assert.ok(!JSON.stringify(lines).includes('internal/admin'), 'push paths are never logged');
});
