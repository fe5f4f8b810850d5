import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's nginx (package nginx-light, which .ci/run installs). */
export const NGINX = '/usr/sbin/nginx';
const ROOT = new URL('../../', import.meta.url).pathname;
/** The one nginx configuration: docs/operations.md quotes it, this harness runs it. */
export const CONF_PATH = join(ROOT, 'docs/nginx/signalbox.conf');
export const OPERATIONS_PATH = join(ROOT, 'docs/operations.md');

/** Why the nginx tests are skipped, or undefined when they must run (always with CI set). */
export function nginxSkipReason(): string | undefined {
  if (existsSync(NGINX) || process.env.CI) return undefined;
  return `nginx not found at ${NGINX} (install it with: apt-get install -y nginx-light); set CI=1 to make this a failure`;
}

/** Replaces `from` with `to`, failing unless `from` occurs exactly once (the documented file changed shape). */
function replaceOnce(text: string, from: string, to: string): string {
  const parts = text.split(from);
  if (parts.length !== 2) throw new Error(`expected exactly one ${JSON.stringify(from)} in ${CONF_PATH}, found ${parts.length - 1}`);
  return parts.join(to);
}

/**
 * The documented configuration, made runnable here: plain HTTP on a loopback
 * port instead of TLS on 443, and the test server as upstream. Nothing else
 * changes.
 */
export function configForTest(conf: string, upstreamPort: number, listenPort: number): string {
  let out = replaceOnce(conf, 'server 127.0.0.1:5000;', `server 127.0.0.1:${upstreamPort};`);
  out = replaceOnce(out, 'listen 443 ssl;', `listen 127.0.0.1:${listenPort};`);
  const lines = out.split('\n');
  const kept = lines.filter((l) => !/^\s*ssl_certificate(_key)?\s/.test(l));
  if (lines.length - kept.length !== 2) throw new Error(`expected ssl_certificate and ssl_certificate_key lines in ${CONF_PATH}`);
  return kept.join('\n');
}

/** A free loopback port (closed again before nginx binds it). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on the port; polls, bounded in time. */
async function waitForPort(port: number, child: ChildProcess, log: () => string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with status ${child.exitCode}: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1');
      c.once('connect', () => (c.destroy(), resolve(true)));
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port} within ${ms} ms: ${log()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface RunningNginx {
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** Stops nginx (by its PID) and removes its directory. */
  stop(): Promise<void>;
}

/** Starts nginx in the foreground with the documented configuration in front of `upstreamPort`. */
export async function startNginx(upstreamPort: number): Promise<RunningNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'signalbox-nginx-'));
  const port = await freePort();
  writeFileSync(join(dir, 'signalbox.conf'), configForTest(readFileSync(CONF_PATH, 'utf8'), upstreamPort, port));
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub));
  // The master runs as root here; its workers would switch to nobody, who cannot use this private directory.
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  writeFileSync(join(dir, 'nginx.conf'), `${user}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 128; }
http {
    access_log off;
    client_body_temp_path ${dir}/body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    include ${dir}/signalbox.conf;
}
`);
  const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const log = () => {
    const file = join(dir, 'error.log');
    return `${output}${existsSync(file) ? readFileSync(file, 'utf8') : ''}`.slice(-2000);
  };
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      process.kill(child.pid, 'SIGTERM'); // nginx's fast shutdown; its workers go with the master
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
      if (child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, child, log);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, url: `http://127.0.0.1:${port}`, stop };
}

/** Sends raw bytes and collects everything until the server closes or `ms` pass. */
export function rawExchange(port: number, request: string, ms = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let out = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(out);
    }, ms);
    socket.on('data', (d) => (out += d.toString('latin1')));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.write(request);
  });
}

/** The seconds of a `proxy_read_timeout` value such as `75s`, `2m` or `90`. */
export function nginxSeconds(value: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(value);
  if (!m) throw new Error(`cannot read nginx time ${JSON.stringify(value)}`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n / 1000 : m[2] === 'm' ? n * 60 : m[2] === 'h' ? n * 3600 : n;
}
