// Starts a private redis-server on a free loopback port (never 6379) and stops it by its PID.
// Used by test/run.mjs for the whole run, and by the tests that stop and restart a Redis of their own.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether Debian's redis-server is on this machine. */
export function haveRedisServer() {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** A free TCP port on 127.0.0.1 (the OS picks it; the listener is closed before the port is handed out). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => (port === 6379 ? freePort().then(resolve, reject) : resolve(port)));
    });
  });
}

/**
 * Resolves once something on the port answers PING (with PONG, or asking for its password); rejects after `ms`.
 * With `tls`, it is asked over TLS (its certificate not checked: this only waits for it to be up).
 */
export async function waitForPong(port, ms = 5000, tls = false) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await pong(port, tls)) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function pong(port, tls) {
  return new Promise((resolve) => {
    const socket = tls
      ? tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false })
      : createConnection({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(500, () => socket.destroy());
    socket.on(tls ? 'secureConnect' : 'connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      reply += d;
      if (reply.includes('\r\n')) socket.end();
    });
    socket.on('close', () => resolve(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'))); // NOAUTH: up, with a password
    socket.on('error', () => {});
  });
}

/**
 * Starts redis-server on `port` (a free one when absent) with its data in a
 * new temporary directory (or `dir`), no persistence unless `appendonly`,
 * pinned to core `cpu` when given; a replica of the Redis on port `replicaOf`,
 * or, with `sentinelOf: { name, port, password?, user? }`, a Sentinel watching
 * that primary under that name (quorum 1, down after 1 s), with that password
 * (for that ACL user). With `tls: { cert, key, ca }` (PEM files) it listens with
 * TLS only, and speaks TLS to its primary (a replica) or the primary it watches
 * (a Sentinel); its url is then rediss://.
 * Returns { url, port, pid, dir, stop() }; stop() ends exactly that process
 * (SIGTERM, then SIGKILL after 3 s) and removes the directory it made.
 */
export async function startRedisServer({ port, dir, appendonly = false, cpu, replicaOf, sentinelOf, tls } = {}) {
  port ??= await freePort();
  const ownDir = dir === undefined;
  dir ??= mkdtempSync(join(tmpdir(), 'signalbox-redis-'));
  const args = sentinelOf
    ? sentinelArgs(dir, port, sentinelOf, tls)
    : [
      ...(tls ? ['--port', '0', ...tlsLines(port, tls).flatMap((line) => line.replace(/^/, '--').split(' '))] : ['--port', String(port)]),
      '--bind', '127.0.0.1', '--dir', dir, '--save', '',
      '--appendonly', appendonly ? 'yes' : 'no', '--maxmemory-policy', 'noeviction', '--loglevel', 'warning',
      ...(replicaOf ? ['--replicaof', '127.0.0.1', String(replicaOf)] : []),
    ];
  // `cpu` (benchmarks): pinned to that core with taskset.
  const child = cpu === undefined
    ? spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'inherit'] })
    : spawn('taskset', ['-c', String(cpu), 'redis-server', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  child.unref(); // a test file that started it for itself still ends when its tests do (and kills it on exit)
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await Promise.race([waitForPong(port, 5000, tls !== undefined), exited.then(() => Promise.reject(new Error('redis-server exited at start')))]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    url: `${tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    dir,
    /** Ends the server the way a crash would (no save, no goodbye). */
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Sentinel's arguments: its config file (Sentinel rewrites it, so it lives in `dir`), then --sentinel. */
function sentinelArgs(dir, port, { name, port: primary, password, user }, tls) {
  const file = join(dir, 'sentinel.conf');
  writeFileSync(file, [
    ...(tls ? ['port 0', ...tlsLines(port, tls)] : [`port ${port}`]), 'bind 127.0.0.1', `dir ${dir}`, 'loglevel warning',
    ...(password && !user ? [`requirepass ${password}`] : []),
    // An ACL user with that password, the default user off: only that user gets in.
    ...(password && user ? [`user ${user} on >${password} ~* &* +@all`, 'user default off'] : []),
    `sentinel monitor ${name} 127.0.0.1 ${primary} 1`,
    `sentinel down-after-milliseconds ${name} 1000`,
    `sentinel failover-timeout ${name} 5000`,
  ].join('\n') + '\n');
  return [file, '--sentinel'];
}

/** The config lines (`name value`, no spaces in a value) of a server that listens on `port` with TLS only and speaks TLS to its primary (clients need no certificate). */
function tlsLines(port, { cert, key, ca }) {
  return [
    `tls-port ${port}`, `tls-cert-file ${cert}`, `tls-key-file ${key}`, `tls-ca-cert-file ${ca}`,
    'tls-auth-clients no', 'tls-replication yes',
  ];
}
