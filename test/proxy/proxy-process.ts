import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;
/** docs/operations.md: it quotes each proxy's configuration file verbatim. */
export const OPERATIONS_PATH = join(ROOT, 'docs/operations.md');
export const docPath = (relative: string) => join(ROOT, relative);

/** Why a proxy's tests are skipped (its binary is missing), or undefined when they must run (always with CI set). */
export function proxySkipReason(binary: string, debianPackage: string): string | undefined {
  if (existsSync(binary) || process.env.CI) return undefined;
  return `${binary} not found (install it with: apt-get install -y ${debianPackage}); set CI=1 to make this a failure`;
}

/** Replaces `from` with `to`, failing unless `from` occurs exactly once in `file` (the documented file changed shape). */
export function replaceOnce(text: string, from: string, to: string, file: string): string {
  const parts = text.split(from);
  if (parts.length !== 2) throw new Error(`expected exactly one ${JSON.stringify(from)} in ${file}, found ${parts.length - 1}`);
  return parts.join(to);
}

/** A free loopback port (closed again before the proxy binds it): the one helper every test uses. */
export { freePortForTests as freePort } from '../helpers/redis.ts';

export interface RunningProxy {
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** What the proxy printed (and `logFile` holds), its last 2,000 characters. */
  log(): string;
  /** Stops the proxy (SIGTERM by its PID, SIGKILL after 5 s) and removes `dir`. */
  stop(): Promise<void>;
}

/**
 * Starts `command` in the foreground and resolves once something accepts TCP
 * connections on `port` (polled, at most 10 s); `dir` is the proxy's own
 * directory, removed when it stops.
 */
export async function startProxyProcess(
  o: { name: string; command: string; args: readonly string[]; port: number; dir: string; logFile?: string },
): Promise<RunningProxy> {
  const child = spawn(o.command, o.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const log = () => `${output}${o.logFile && existsSync(o.logFile) ? readFileSync(o.logFile, 'utf8') : ''}`.slice(-2000);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // HAProxy ends by the signal itself (signalCode set, exitCode null); nginx exits with a status.
  const running = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (running() && child.pid !== undefined) {
      process.kill(child.pid, 'SIGTERM'); // nginx's and HAProxy's fast shutdown; their workers go with the master
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
      if (running()) process.kill(child.pid, 'SIGKILL');
    }
    rmSync(o.dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (!running()) throw new Error(`${o.name} exited (${child.exitCode ?? child.signalCode}): ${log()}`);
      const ok = await new Promise<boolean>((resolve) => {
        const c = net.connect(o.port, '127.0.0.1');
        c.once('connect', () => (c.destroy(), resolve(true)));
        c.once('error', () => resolve(false));
      });
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`${o.name} did not listen on ${o.port} within 10 s: ${log()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { port: o.port, url: `http://127.0.0.1:${o.port}`, log, stop };
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
