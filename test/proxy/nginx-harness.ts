import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docPath, freePort, proxySkipReason, replaceOnce, startProxyProcess, type RunningProxy } from './proxy-process.ts';

export { OPERATIONS_PATH, rawExchange, type RunningProxy } from './proxy-process.ts';

/** Debian's nginx (package nginx-light, which .ci/run installs). */
export const NGINX = '/usr/sbin/nginx';
/** The one nginx configuration: docs/operations.md quotes it, this harness runs it. */
export const CONF_PATH = docPath('docs/nginx/signalbox.conf');

/** Why the nginx tests are skipped, or undefined when they must run (always with CI set). */
export const nginxSkipReason = (): string | undefined => proxySkipReason(NGINX, 'nginx-light');

/**
 * The documented configuration, made runnable here: plain HTTP on a loopback
 * port instead of TLS on 443, and the test server as upstream. Nothing else
 * changes.
 */
export function configForTest(conf: string, upstreamPort: number, listenPort: number): string {
  let out = replaceOnce(conf, 'server 127.0.0.1:5000;', `server 127.0.0.1:${upstreamPort};`, CONF_PATH);
  out = replaceOnce(out, 'listen 443 ssl;', `listen 127.0.0.1:${listenPort};`, CONF_PATH);
  const lines = out.split('\n');
  const kept = lines.filter((l) => !/^\s*ssl_certificate(_key)?\s/.test(l));
  if (lines.length - kept.length !== 2) throw new Error(`expected ssl_certificate and ssl_certificate_key lines in ${CONF_PATH}`);
  return kept.join('\n');
}

/** Starts nginx in the foreground with the documented configuration in front of `upstreamPort`. */
export async function startNginx(upstreamPort: number): Promise<RunningProxy> {
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
  return startProxyProcess({
    name: 'nginx', command: NGINX, args: ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], port, dir, logFile: join(dir, 'error.log'),
  });
}

/** The seconds of a `proxy_read_timeout` value such as `75s`, `2m` or `90`. */
export function nginxSeconds(value: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(value);
  if (!m) throw new Error(`cannot read nginx time ${JSON.stringify(value)}`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n / 1000 : m[2] === 'm' ? n * 60 : m[2] === 'h' ? n * 3600 : n;
}
