import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { basic } from '../helpers/server.ts';
import { STEP_TIMEOUT_MS, browserSkipReason, chat, connect, isDisabled, openPeer, signIn, textOf, useBrowserAndServer, withPeers } from './harness.ts';

// What a new user runs into on the demo page, in Chromium: controls that
// only work when they can, errors next to what caused them, a reload that
// keeps the same inbox. Screenshots: test/artifacts/states-*.png.
const SCENARIO_TIMEOUT_MS = 45_000;
const skip = browserSkipReason();
const RANDOM_NAME = /^[A-Za-z0-9_-]{22}$/;

describe('demo page states in Chromium', { skip, timeout: 4 * SCENARIO_TIMEOUT_MS }, () => {
  const fixture = useBrowserAndServer();
  const run = Date.now().toString(36);

  test('Call, Hang up and Send are enabled only when they can work; a call to a name with no inbox is an error by the call form', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    await withPeers('states-controls', [openPeer(fixture.browser!, fixture.server!.url, '/demo/', `ctl-${run}`)], async ([p]) => {
      const offered = await p.page.inputValue('#name');
      assert.match(offered, RANDOM_NAME, 'a random 128-bit name by default');
      await p.page.click('#new-name');
      const another = await p.page.inputValue('#name');
      assert.match(another, RANDOM_NAME);
      assert.notEqual(another, offered);

      for (const sel of ['#call', '#hang-up', '#send', '#text']) assert.equal(await isDisabled(p, sel), true, `${sel} disabled before sign-in`);
      await p.page.fill('#name', '');
      assert.equal(await isDisabled(p, '#start'), true, 'no name: nothing to sign in with');
      await p.page.fill('#name', 'two words');
      await p.page.click('#start');
      assert.match(await p.page.locator('#sign-in #sign-in-error').innerText(), /no spaces/);
      await p.page.fill('#peer', 'someone');
      assert.equal(await isDisabled(p, '#call'), true, 'Call stays disabled until signed in, even with a name to call');
      await signIn(p);
      assert.equal(await isDisabled(p, '#call'), false, 'signed in with a name to call: Call works');
      await p.page.fill('#peer', '');
      assert.equal(await isDisabled(p, '#call'), true, 'no name to call: Call disabled');
      for (const sel of ['#hang-up', '#send', '#text']) assert.equal(await isDisabled(p, sel), true, `${sel} disabled outside a call`);

      const callError = p.page.locator('#call-form #call-error');
      await p.page.fill('#peer', p.name);
      await p.page.click('#call');
      await callError.waitFor({ state: 'visible' });
      assert.match(await callError.innerText(), /your own name/);

      const nobody = `nobody-${run}`;
      await p.page.fill('#peer', nobody);
      assert.equal(await callError.isHidden(), true, 'editing the name clears the error');
      await p.page.click('#call');
      await callError.waitFor({ state: 'visible' });
      assert.match(await callError.innerText(), new RegExp(`No one is online as “${nobody}”`));
      assert.equal(await p.page.getAttribute('body', 'data-state'), 'idle', 'not left hanging in "calling"');
      assert.equal(await isDisabled(p, '#call'), false, 'Call can be tried again');
      assert.equal(await isDisabled(p, '#hang-up'), true);
      assert.equal(await p.page.isHidden('#sign-in-error'), true);
      assert.deepEqual(p.pageErrors, []);
    });
  });

  test('a reload signs back in to the same inbox; another tab of the same browser can take the name over', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    const url = fixture.server!.url;
    await withPeers('states-reload', [openPeer(fixture.browser!, url, '/demo/', `reload-${run}`), openPeer(fixture.browser!, url, '/demo/', `caller-${run}`)], async ([me, caller]) => {
      await signIn(me);
      await me.page.reload();
      await me.page.waitForSelector('body[data-signed-in="yes"]');
      assert.equal(await textOf(me, '#me'), me.name, 'back online under the same name, by itself');
      assert.equal(await me.page.isHidden('#sign-in-error'), true);
      // Still the same inbox: a call to the name reaches the reloaded page.
      await me.page.uncheck('#use-media');
      await signIn(caller);
      await connect(caller, me);
      await chat(caller, me, 'you came back');
      await caller.page.click('#hang-up');
      await me.page.waitForSelector('body[data-state="closed"]');

      // A new tab has its own random name; typing the same one opens the same inbox (password kept in localStorage).
      const tab = await openPeer(fixture.browser!, url, '/demo/', me.name, { context: me.context });
      assert.notEqual(await tab.page.inputValue('#name'), me.name);
      await signIn(tab);
      // The first tab lost its connection to the new one and says so by its name field.
      const lost = me.page.locator('#sign-in #sign-in-error');
      await lost.waitFor({ state: 'visible' });
      assert.match(await lost.innerText(), /another tab or window/);
      assert.equal(await me.page.getAttribute('body', 'data-signed-in'), null);
      assert.equal(await isDisabled(me, '#start'), false, 'it can go online again');
      assert.deepEqual([...me.pageErrors, ...tab.pageErrors], []);
    });
  });

  test('a name taken with another password: an actionable message next to the name field, on every page and transport', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    const url = fixture.server!.url;
    const taken = `taken-${run}`;
    const owner = await fetch(`${url}/inbox`, { headers: { Authorization: basic(taken, 'the-owner') } });
    assert.equal(owner.status, 204);
    const pages = ['/demo/plain.html', '/demo/?transport=websocket', '/demo/?transport=poll'].map((path) => openPeer(fixture.browser!, url, path, taken));
    await withPeers('states-taken', pages, async (peers) => {
      await Promise.all(
        peers.map(async (p) => {
          await p.page.fill('#name', taken);
          await p.page.click('#start');
          const error = p.page.locator('#sign-in #sign-in-error');
          await error.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
          const text = await error.innerText();
          assert.match(text, new RegExp(`“${taken}” is in use`), p.page.url());
          assert.match(text, /Pick another name.*wait a minute/, p.page.url());
          assert.equal(await p.page.getAttribute('body', 'data-signed-in'), null, `${p.page.url()} stays signed out`);
          // Acting on it: a new random name goes online.
          await p.page.click('#new-name');
          assert.equal(await error.isHidden(), true);
          await p.page.click('#start');
          await p.page.waitForSelector('body[data-signed-in="yes"]');
          assert.match(await textOf(p, '#me'), RANDOM_NAME);
        }),
      );
    });
  });

  test('a camera that cannot start: the error is by the video area and the call goes on as chat', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    const url = fixture.server!.url;
    const blocked = "navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));";
    const pages = [openPeer(fixture.browser!, url, '/demo/', `nocam-${run}`, { media: true, initScript: blocked }), openPeer(fixture.browser!, url, '/demo/plain.html', `friend-${run}`)];
    await withPeers('states-media', pages, async ([nocam, friend]) => {
      await Promise.all([signIn(nocam), signIn(friend)]);
      await connect(nocam, friend);
      const error = nocam.page.locator('.stage #media-error');
      await error.waitFor({ state: 'visible' });
      assert.match(await error.innerText(), /blocked for this page.*still chat/s);
      assert.equal(await nocam.page.isHidden('#call-error'), true, 'not a call error');
      await chat(nocam, friend, 'no camera, but we can talk');
      assert.deepEqual([...nocam.pageErrors, ...friend.pageErrors], []);
    });
  });
});
