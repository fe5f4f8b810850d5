import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startServer, type TestServer } from '../helpers/server.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = new URL('../artifacts/', import.meta.url).pathname;

/** Bounded waits: every step of a browser test finishes or fails within these. */
export const LAUNCH_TIMEOUT_MS = 30_000;
export const STEP_TIMEOUT_MS = 15_000;

/**
 * Why the browser tests are skipped, or undefined when they must run. They
 * are skipped only on a developer machine without Chromium; with CI set they
 * run, and fail if Chromium is missing.
 */
export function browserSkipReason(): string | undefined {
  if (existsSync(CHROMIUM) || process.env.CI) return undefined;
  return `Chromium not found at ${CHROMIUM} (install it with: apt-get install -y chromium); set CI=1 to make this a failure`;
}

/**
 * Headless Debian Chromium, set up so two pages on this machine connect over
 * loopback: `--allow-loopback-in-peer-connection` plus camera/microphone
 * granted to the origin in each context (without the grant Chromium offers
 * only mDNS candidates of the default interface). The fake media devices
 * give getUserMedia a synthetic camera (a moving test pattern) and a beeping
 * microphone, with no prompt. Playwright's launch() always uses a fresh
 * temporary profile (--user-data-dir), removed on close.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: LAUNCH_TIMEOUT_MS,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--allow-loopback-in-peer-connection',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
    ],
  });
}

/** One user: an isolated browser context (own cookies, cache) with one page, watched for page errors and WebSockets. */
export interface BrowserPeer {
  readonly page: Page;
  readonly context: BrowserContext;
  readonly name: string;
  /** URLs of the WebSockets the page opened. */
  readonly websockets: string[];
  /** Authorization headers of the page's requests to /inbox (undefined when absent). */
  readonly inboxAuth: (string | undefined)[];
  readonly pageErrors: string[];
  /** Console errors: CSP violations, failed loads (a missing favicon), uncaught rejections. */
  readonly consoleErrors: string[];
}

export interface PeerOptions {
  /** Leave "Camera and microphone" checked (default false: chat only, the DataChannel path). */
  readonly media?: boolean;
  /** Open in this context (same localStorage: another tab of the same browser) instead of a new one. */
  readonly context?: BrowserContext;
  /** Script run in the page before its own (to break an API on purpose). */
  readonly initScript?: string;
}

/** Wide enough for the two-column layout of the page. */
export const VIEWPORT = { width: 1180, height: 860 };

export async function openPeer(browser: Browser, origin: string, path: string, name: string, options: PeerOptions = {}): Promise<BrowserPeer> {
  const context = options.context ?? (await browser.newContext({ viewport: VIEWPORT }));
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  await context.grantPermissions(['camera', 'microphone'], { origin });
  // tsx (esbuild keepNames) wraps named functions in test code with __name(); functions run in the page need it too.
  await context.addInitScript('globalThis.__name ??= (f) => f;');
  const page = await context.newPage();
  if (options.initScript) await page.addInitScript(options.initScript);
  const peer: BrowserPeer = { page, context, name, websockets: [], inboxAuth: [], pageErrors: [], consoleErrors: [] };
  page.on('websocket', (ws) => peer.websockets.push(ws.url()));
  page.on('pageerror', (err) => peer.pageErrors.push(String(err)));
  page.on('console', (m) => {
    // A server without TURN answers /turn-credentials 404 by design: the page then goes without TURN.
    if (m.type() === 'error' && !m.location().url.endsWith('/turn-credentials')) peer.consoleErrors.push(`${m.text()} (${m.location().url})`);
  });
  page.on('request', (req) => {
    if (new URL(req.url()).pathname === '/inbox') peer.inboxAuth.push(req.headers().authorization);
  });
  await page.goto(origin + path, { timeout: STEP_TIMEOUT_MS });
  if (!options.media) await page.uncheck('#use-media');
  return peer;
}

/** Signs the page in under `peer.name` and waits until its inbox is open. */
export async function signIn(peer: BrowserPeer): Promise<void> {
  await peer.page.fill('#name', peer.name);
  await peer.page.click('#start');
  await peer.page.waitForSelector('body[data-signed-in="yes"]');
}

/** `caller` calls `callee`; resolves once the DataChannel is open on both sides. */
export async function connect(caller: BrowserPeer, callee: BrowserPeer): Promise<void> {
  await caller.page.fill('#peer', callee.name);
  await caller.page.click('#call');
  await Promise.all([caller, callee].map((p) => p.page.waitForSelector('body[data-state="open"]')));
}

/** Types `text` in `from` and waits for it to appear in `to`'s chat, as said by `from`. */
export async function chat(from: BrowserPeer, to: BrowserPeer, text: string): Promise<void> {
  await from.page.fill('#text', text);
  await from.page.click('#send');
  await to.page.waitForFunction(
    ([who, said]) =>
      Array.from(document.querySelectorAll<HTMLElement>('#messages li.theirs')).some((li) => li.dataset.from === who && li.querySelector('.text')?.textContent === said),
    [from.name, text] as const,
    { timeout: STEP_TIMEOUT_MS },
  );
}

/** The connection log (kept in a closed <details>, so read as textContent). */
export const logOf = (peer: BrowserPeer, timeout = STEP_TIMEOUT_MS): Promise<string> =>
  peer.page.locator('#log').evaluate((el) => Array.from(el.children, (li) => li.textContent).join('\n'), undefined, { timeout });

/** Whether a control is disabled. */
export const isDisabled = (peer: BrowserPeer, selector: string): Promise<boolean> => peer.page.locator(selector).isDisabled();

/** Text of one element, for assertions and failure reports. */
export const textOf = (peer: BrowserPeer, selector: string): Promise<string> =>
  peer.page.locator(selector).innerText({ timeout: STEP_TIMEOUT_MS });

/** Saves a screenshot of each page as test/artifacts/<label>-<1|2>.png, replacing the last run's (best effort). */
export async function screenshots(label: string, peers: readonly BrowserPeer[]): Promise<string[]> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const paths: string[] = [];
  for (const [i, p] of peers.entries()) {
    const path = join(ARTIFACTS, `${label}-${i + 1}.png`);
    try {
      await p.page.screenshot({ path, fullPage: true, timeout: STEP_TIMEOUT_MS });
      paths.push(path);
    } catch {
      // The page may be gone already (that is what failed); the test reports the real error.
    }
  }
  return paths;
}

/** The page's log lines, to explain a failure. */
export async function pageLogs(peers: readonly BrowserPeer[]): Promise<string> {
  const parts: string[] = [];
  for (const p of peers) {
    const log = await logOf(p, 2000).catch(() => '(log unavailable)');
    const errors = (id: string) => p.page.locator(id).textContent({ timeout: 2000 }).catch(() => '?');
    const shown = `sign-in error: ${await errors('#sign-in-error')} | call error: ${await errors('#call-error')} | media error: ${await errors('#media-error')}`;
    parts.push(`--- ${p.name} (page errors: ${p.pageErrors.join(' | ') || 'none'}; console errors: ${p.consoleErrors.join(' | ') || 'none'})\n${shown}\n${log}`);
  }
  return parts.join('\n');
}

/**
 * Runs a two-page scenario and always cleans up: screenshots of both pages
 * (also on failure), the page logs added to the error, contexts closed.
 */
export async function withPeers(label: string, peers: Promise<BrowserPeer>[], run: (peers: BrowserPeer[]) => Promise<void>): Promise<void> {
  const settled = await Promise.allSettled(peers);
  const opened = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  try {
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    try {
      await run(opened);
    } catch (err) {
      // The page logs say what the pages saw (signals, ICE, errors).
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(`${message}\n${await pageLogs(opened)}`, { cause: err });
    } finally {
      await screenshots(label, opened);
    }
  } finally {
    await Promise.allSettled(opened.map((p) => p.context.close()));
  }
}

export interface BrowserFixture {
  browser: Browser | undefined;
  server: TestServer | undefined;
}

/**
 * The hooks of a browser test file: a signalbox test server (TURN off) and one
 * Chromium, both closed after the file, each close bounded to 10 s.
 */
export function useBrowserAndServer(): BrowserFixture {
  const fixture: BrowserFixture = { browser: undefined, server: undefined };
  before(async () => {
    fixture.server = await startServer({}, { turn: null });
    fixture.browser = await launchChromium();
  });
  after(async () => {
    const bounded = (p: Promise<unknown> | undefined) => Promise.race([p, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    await bounded(fixture.browser?.close().catch(() => undefined));
    await bounded(fixture.server?.close());
  });
  return fixture;
}
