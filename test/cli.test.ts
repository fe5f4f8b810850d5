import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { test } from 'node:test';
import { SETTINGS } from '../src/config.ts';
import { loopLeaves } from '../src/config-describe.ts';
import { runMain, startMain } from './helpers/main-process.ts';

const VERSION = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

test('--help lists every setting of the schema with its flag, and the Loop file keys; --version', async () => {
  const [help, version] = await Promise.all([runMain(['--help']), runMain(['--version'])]);
  assert.equal(help.code, 0, help.stderr);
  for (const s of SETTINGS) {
    assert.ok(help.stdout.includes(`${s.flag} / ${s.env}  (default `), `${s.env} in --help`);
  }
  for (const [name] of loopLeaves()) assert.match(help.stdout, new RegExp(`^  ${name.replace(/\./g, '\\.')}  \\(default`, 'm'), name);
  for (const group of ['Server:', 'Inbox:', 'Inbox WebSocket (/inbox/ws):', 'TURN credentials:', 'Logging:', 'Loop v1']) {
    assert.ok(help.stdout.includes(group), group);
  }
  assert.equal(version.code, 0);
  assert.equal(version.stdout.trim(), `signalbox ${VERSION}`);
});

test('a bad setting stops start-up with status 2 and one line saying what is allowed', async () => {
  const [level, flag, host] = await Promise.all([
    runMain([], { LOG_LEVEL: 'loud' }),
    runMain(['--prot', '80']),
    runMain([], { HOST: 'no such host!' }),
  ]);
  assert.equal(level.code, 2);
  assert.equal(level.stderr.trim(), 'signalbox: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, not "loud" (see --help)');
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /--prot: unknown command-line flag; see --help/);
  assert.equal(host.code, 2);
  assert.match(host.stderr, /^signalbox: HOST must be an IP address/);
  for (const r of [level, flag, host]) assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
});

test('--check-config validates, prints the effective configuration with secrets hidden, and exits', async () => {
  const ok = await runMain(['--check-config', '--port', '6123'], { TURN_SECRET: 'check-config-turn-secret', TURN_URLS: 'turn:t.example:3478' });
  assert.equal(ok.code, 0, ok.stderr);
  const printed = JSON.parse(ok.stdout);
  assert.equal(printed.PORT, 6123);
  assert.equal(printed.INBOX_TTL, 60);
  assert.deepEqual(printed.TURN, { TURN_URLS: ['turn:t.example:3478'], TURN_TTL: 86400, TURN_SECRET: '(hidden)' });
  assert.equal(printed.loop.hawkIdSecret, '(hidden)');
  assert.doesNotMatch(ok.stdout + ok.stderr, /check-config-turn-secret/);
  const bad = await runMain(['--check-config'], { MAX_WAIT: 'forever' });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /MAX_WAIT must be a number of seconds/);
});

function occupy(host: string): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen({ host, port: 0, exclusive: true }, () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

test('a port in use, or an address not of this machine, stops start-up with status 2 and the reason', async () => {
  const { server, port } = await occupy('127.0.0.1');
  try {
    const [inUse, foreign] = await Promise.all([
      runMain([], { HOST: '127.0.0.1', PORT: String(port) }),
      runMain([], { HOST: '192.0.2.1', PORT: '0' }), // TEST-NET-1: never an address of this machine
    ]);
    assert.equal(inUse.code, 2, inUse.stdout + inUse.stderr);
    assert.match(inUse.stderr, new RegExp(`^signalbox: port ${port} on 127\\.0\\.0\\.1 is already in use`));
    assert.equal(foreign.code, 2, foreign.stdout + foreign.stderr);
    assert.match(foreign.stderr, /^signalbox: 192\.0\.2\.1 is not an address of this machine/);
  } finally {
    server.close();
  }
});

test('start-up (src/main.ts through tsx, as npm start runs it): the configuration once, one listening line with every URL, no warning for defaults; Loop URLs follow PORT', async () => {
  const main = await startMain({ HOST: '127.0.0.1', PORT: '0' }, [], 30_000, 'tsx');
  let run;
  try {
    const listening = main.lines.find((l) => String(l.msg).includes(' listening on '))!;
    const urls = listening.urls as Record<string, string>;
    const port = new URL(urls.api).port;
    assert.ok(Number(port) > 0);
    assert.deepEqual(urls, {
      api: `http://127.0.0.1:${port}/`, inboxWebSocket: `ws://127.0.0.1:${port}/inbox/ws`, loopWebSocket: `ws://127.0.0.1:${port}/websocket`,
      demo: `http://127.0.0.1:${port}/demo/`, metrics: `http://127.0.0.1:${port}/__metrics__`,
    });
    const specs = await (await fetch(`http://127.0.0.1:${port}/v1/api-specs`)).json();
    assert.equal(specs.service.location, `http://127.0.0.1:${port}`);
  } finally {
    run = await main.stop();
  }
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.filter((l) => l.msg === 'configuration').length, 1);
  assert.deepEqual(lines.filter((l) => l.level >= 40), [], 'no warning with default settings');
});
