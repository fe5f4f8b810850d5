import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docPath, freePort, proxySkipReason, replaceOnce, startProxyProcess, type RunningProxy } from './proxy-process.ts';

/** Debian's HAProxy (package haproxy, which .ci/run installs). */
export const HAPROXY = '/usr/sbin/haproxy';
/** The one HAProxy configuration: docs/operations.md quotes it, this harness runs it. */
export const HAPROXY_CONF_PATH = docPath('docs/haproxy/signalbox.cfg');

/** Why the HAProxy tests are skipped, or undefined when they must run (always with CI set). */
export const haproxySkipReason = (): string | undefined => proxySkipReason(HAPROXY, 'haproxy');

/**
 * The documented configuration, made runnable here: plain HTTP on a loopback
 * port instead of TLS on 443, and the test server as the backend. Nothing
 * else changes.
 */
export function haproxyConfigForTest(conf: string, upstreamPort: number, listenPort: number): string {
  const out = replaceOnce(conf, 'server signalbox1 127.0.0.1:5000 check', `server signalbox1 127.0.0.1:${upstreamPort} check`, HAPROXY_CONF_PATH);
  return replaceOnce(out, 'bind :443 ssl crt /etc/haproxy/certs/signal.example.com.pem', `bind 127.0.0.1:${listenPort}`, HAPROXY_CONF_PATH);
}

export interface RunningHaproxy extends RunningProxy {
  /** Sends one command to HAProxy's admin socket (e.g. `show stat`) and resolves with its answer. */
  admin(command: string): Promise<string>;
}

/**
 * Starts HAProxy in the foreground with the documented configuration in front
 * of `upstreamPort`, plus a second file of our own that only adds an admin
 * socket (HAProxy merges the global sections of its files).
 */
export async function startHaproxy(upstreamPort: number): Promise<RunningHaproxy> {
  const dir = mkdtempSync(join(tmpdir(), 'signalbox-haproxy-'));
  const port = await freePort();
  const file = join(dir, 'signalbox.cfg');
  writeFileSync(file, haproxyConfigForTest(readFileSync(HAPROXY_CONF_PATH, 'utf8'), upstreamPort, port));
  const socket = join(dir, 'admin.sock');
  writeFileSync(join(dir, 'admin.cfg'), `global\n    stats socket ${socket} mode 600 level admin\n`);
  const proxy = await startProxyProcess({ name: 'haproxy', command: HAPROXY, args: ['-db', '-f', file, '-f', join(dir, 'admin.cfg')], port, dir });
  const admin = (command: string) => new Promise<string>((resolve, reject) => {
    const c = net.connect(socket);
    let out = '';
    c.on('data', (d) => (out += d));
    c.on('error', reject);
    c.on('close', () => resolve(out));
    c.end(`${command}\n`);
  });
  return { ...proxy, admin };
}

/** The fields of one server's row in `show stat` (CSV with a `# name,...` header line). */
export function serverStat(showStat: string, backend: string, server: string): Record<string, string> {
  const [header, ...rows] = showStat.trim().split('\n');
  const names = header.replace(/^# /, '').split(',');
  const row = rows.map((r) => r.split(',')).find((f) => f[0] === backend && f[1] === server);
  if (!row) throw new Error(`no ${backend}/${server} in show stat: ${showStat.slice(0, 300)}`);
  return Object.fromEntries(names.map((n, i) => [n, row[i] ?? '']));
}

/** The seconds of an HAProxy time such as `75s`, `1h` or `500ms` (a bare number is milliseconds). */
export function haproxySeconds(value: string): number {
  const m = /^(\d+)(us|ms|s|m|h|d)?$/.exec(value);
  if (!m) throw new Error(`cannot read HAProxy time ${JSON.stringify(value)}`);
  const unit = { us: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600, d: 86400 }[m[2] ?? 'ms']!;
  return Number(m[1]) * unit;
}
