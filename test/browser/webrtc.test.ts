import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { TurnSettings } from '../../src/turn/credentials.ts';
import { basic, startServer, type TestServer } from '../helpers/server.ts';
import { browserSkipReason, chat, connect, launchChromium, logOf, openPeer, signIn, textOf, withPeers } from './harness.ts';

// Two headless Chromium pages open the demo, signal only through signalbox,
// and chat over an RTCDataChannel (camera off: the chat-only path; the video
// call is in video.test.ts). Screenshots land in test/artifacts/.
const SCENARIO_TIMEOUT_MS = 60_000;
const skip = browserSkipReason();
if (skip) console.log(`# browser tests skipped: ${skip}`);

// A TURN server that is configured but not running: the pages must fetch and
// use the credentials, and still connect directly over loopback.
const TURN: TurnSettings = { secret: 'browser-test', urls: ['turn:127.0.0.1:9?transport=udp'], ttlSec: 600 };

describe('WebRTC between two Chromium pages through signalbox', { skip, timeout: 4 * SCENARIO_TIMEOUT_MS }, () => {
  let browser: Browser | undefined;
  let plainServer: TestServer | undefined; // no TURN
  let turnServer: TestServer | undefined; // TURN configured
  const run = Date.now().toString(36);

  before(async () => {
    [plainServer, turnServer] = await Promise.all([startServer({}, { turn: null }), startServer({}, { turn: TURN })]);
    browser = await launchChromium();
  });
  after(async () => {
    const bounded = (p: Promise<unknown> | undefined) => Promise.race([p, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    await bounded(browser?.close().catch(() => undefined));
    await Promise.allSettled([bounded(plainServer?.close()), bounded(turnServer?.close())]);
  });

  for (const transport of ['websocket', 'poll'] as const) {
    test(`demo ↔ demo over the ${transport} transport`, { timeout: SCENARIO_TIMEOUT_MS }, async () => {
      const url = plainServer!.url;
      const path = `/demo/?transport=${transport}`;
      await withPeers(`demo-${transport}`, [openPeer(browser!, url, path, `alice-${transport}-${run}`), openPeer(browser!, url, path, `bob-${transport}-${run}`)], async ([alice, bob]) => {
        await Promise.all([signIn(alice), signIn(bob)]);
        await connect(alice, bob);
        await chat(alice, bob, `hi Bob, this is Alice over ${transport}`);
        await chat(bob, alice, 'hello Alice, Bob here');
        for (const p of [alice, bob]) {
          assert.equal(await textOf(p, '#transport'), transport, `${p.name}'s client transport`);
          if (transport === 'poll') assert.deepEqual(p.websockets, [], `${p.name} opened no WebSocket`);
          else assert.deepEqual(p.websockets, [`${url.replace('http', 'ws')}/inbox/ws`], `${p.name}'s one WebSocket`);
          assert.match(await logOf(p), /route: .+ <-> .+/);
          assert.deepEqual(p.pageErrors, []);
          assert.deepEqual(p.consoleErrors, []);
        }
      });
    });
  }

  test('reference client code path: a plain fetch-polling page and a demo page call each other (TURN configured)', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    const url = turnServer!.url;
    const pages = [openPeer(browser!, url, '/demo/plain.html', `legacy-${run}`), openPeer(browser!, url, '/demo/', `modern-${run}`)];
    await withPeers('plain-demo', pages, async ([legacy, modern]) => {
      await Promise.all([signIn(legacy), signIn(modern)]);
      await connect(legacy, modern);
      await chat(legacy, modern, 'from the fetch page');
      await chat(modern, legacy, 'from the InboxClient page');
      // Hang up, then the other side calls back: both directions of signaling work.
      await legacy.page.click('#hang-up');
      await modern.page.waitForSelector('body[data-state="closed"]');
      await connect(modern, legacy);
      await chat(modern, legacy, 'calling you back');
      assert.deepEqual(legacy.websockets, [], 'the plain page uses no WebSocket');
      assert.ok(legacy.inboxAuth.length > 0 && legacy.inboxAuth.every((h) => h?.startsWith('Basic ')), 'every /inbox request of the plain page carries Basic auth');
      assert.equal(await textOf(modern, '#transport'), 'websocket', "the demo page's default (auto) transport");
      for (const p of [legacy, modern]) {
        assert.match(await logOf(p), /using TURN turn:127\.0\.0\.1:9\?transport=udp/, `${p.name} got TURN credentials`);
        assert.deepEqual(p.pageErrors, []);
      }
    });
  });

  test('plain-fetch page ↔ plain-fetch page (harness check, reference client code path)', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    const url = plainServer!.url;
    await withPeers('plain-plain', [openPeer(browser!, url, '/demo/plain.html', `pa-${run}`), openPeer(browser!, url, '/demo/plain.html', `pb-${run}`)], async ([a, b]) => {
      await Promise.all([signIn(a), signIn(b)]);
      await connect(a, b);
      await chat(a, b, 'hello over the DataChannel');
      await chat(b, a, 'and back');
      for (const p of [a, b]) {
        assert.deepEqual(p.websockets, []);
        assert.ok(p.inboxAuth.length > 0 && p.inboxAuth.every((h) => h?.startsWith('Basic ')), `${p.name}: every /inbox request carries Basic auth`);
      }
    });
  });
});
