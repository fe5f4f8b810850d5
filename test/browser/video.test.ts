import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type BrowserPeer, STEP_TIMEOUT_MS, browserSkipReason, chat, openPeer, textOf, useBrowserAndServer, withPeers } from './harness.ts';

// The product path: Alice goes online under her random name and shares her
// link; Bob opens it and, with one click, goes online and calls her. Both
// send Chromium's fake camera and microphone, and each page's remote <video>
// must be playing frames. Screenshots of both pages: test/artifacts/video-call-*.png.
const SCENARIO_TIMEOUT_MS = 60_000;
const skip = browserSkipReason();

/** What the page's remote (or local) <video> shows once it has rendered three new frames. */
function framesOf(peer: BrowserPeer, selector: string) {
  return peer.page.evaluate(
    ([sel, timeoutMs]) =>
      new Promise<{ width: number; height: number; advancedSec: number; frames: number; audioTracks: number; videoTracks: number }>((resolve, reject) => {
        const video = document.querySelector<HTMLVideoElement>(sel);
        if (!video) return reject(new Error(`no ${sel}`));
        const start = video.currentTime;
        let frames = 0;
        const timer = setTimeout(() => reject(new Error(`${sel}: ${frames} frames in ${timeoutMs} ms (paused: ${video.paused})`)), timeoutMs);
        const onFrame = () => {
          if (++frames < 3) return void video.requestVideoFrameCallback(onFrame);
          clearTimeout(timer);
          const stream = video.srcObject as MediaStream | null;
          resolve({
            width: video.videoWidth, height: video.videoHeight, advancedSec: video.currentTime - start, frames,
            audioTracks: stream?.getAudioTracks().length ?? 0, videoTracks: stream?.getVideoTracks().length ?? 0,
          });
        };
        video.requestVideoFrameCallback(onFrame);
      }),
    [selector, STEP_TIMEOUT_MS] as const,
  );
}

describe('a video call from a shared link', { skip, timeout: 2 * SCENARIO_TIMEOUT_MS }, () => {
  const fixture = useBrowserAndServer();

  test('the link opens the page ready to call; one click connects camera and microphone both ways', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    const url = fixture.server!.url;
    const pages = [openPeer(fixture.browser!, url, '/demo/', 'alice', { media: true }), openPeer(fixture.browser!, url, '/demo/', 'bob', { media: true })];
    await withPeers('video-call', pages, async ([alicePage, bobPage]) => {
      // Alice keeps the random name the page offers: 128 bits, base64url.
      const aliceName = await alicePage.page.inputValue('#name');
      assert.match(aliceName, /^[A-Za-z0-9_-]{22}$/);
      const alice = { ...alicePage, name: aliceName };
      await alice.page.click('#start');
      await alice.page.waitForSelector('body[data-signed-in="yes"]');
      const link = await alice.page.inputValue('#share-link');
      assert.equal(link, `${url}/demo/?call=${aliceName}`);

      // Bob opens the link (forcing long-polling, to cover that transport too): Alice's name is
      // filled in and the one button says what it does.
      await bobPage.page.goto(`${link}&transport=poll`);
      const bob = { ...bobPage, name: await bobPage.page.inputValue('#name') };
      assert.equal(await bob.page.inputValue('#peer'), aliceName);
      assert.match(await textOf(bob, '#invite'), new RegExp(`invited to call ${aliceName}`));
      assert.equal(await textOf(bob, '#start'), 'Go online and call');
      await bob.page.click('#start');
      await Promise.all([alice, bob].map((p) => p.page.waitForSelector('body[data-state="open"]')));
      assert.equal(new URL(bob.page.url()).search, '?transport=poll', 'the call parameter is dropped once used, so a reload does not call again');
      assert.equal(await textOf(bob, '#transport'), 'poll');

      for (const p of [alice, bob]) {
        const remote = await framesOf(p, '#remote-video');
        assert.ok(remote.width > 0 && remote.height > 0, `${p.name}: remote video has a size (${remote.width}x${remote.height})`);
        assert.ok(remote.advancedSec > 0, `${p.name}: remote video time advances`);
        assert.equal(remote.videoTracks, 1, `${p.name}: one remote video track`);
        assert.equal(remote.audioTracks, 1, `${p.name}: one remote audio track`);
        const local = await framesOf(p, '#local-video');
        assert.ok(local.width > 0, `${p.name}: own camera preview`);
        assert.equal(await p.page.isHidden('#media-error'), true, `${p.name}: no media error`);
      }
      await chat(bob, alice, 'I can see you');
      await chat(alice, bob, 'me too');

      // Hanging up stops the camera on both sides and empties the stage.
      await bob.page.click('#hang-up');
      await alice.page.waitForSelector('body[data-state="closed"]');
      for (const p of [alice, bob]) {
        assert.equal(await p.page.isHidden('#remote-video'), true, `${p.name}: remote video gone`);
        const live = await p.page.evaluate(() => (document.querySelector<HTMLVideoElement>('#local-video')!.srcObject as MediaStream | null)?.getTracks().length ?? 0);
        assert.equal(live, 0, `${p.name}: camera released`);
        assert.deepEqual(p.pageErrors, []);
        assert.deepEqual(p.consoleErrors, []);
      }
      // Screenshots of a live call for the artifacts: call again (Alice this time) and leave it open.
      await alice.page.fill('#peer', bob.name);
      await alice.page.click('#call');
      await Promise.all([alice, bob].map((p) => p.page.waitForSelector('body[data-state="open"]')));
      await Promise.all([framesOf(alice, '#remote-video'), framesOf(bob, '#remote-video')]);
    });
  });
});
