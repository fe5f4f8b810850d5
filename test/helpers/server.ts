import { createApp, type App, type AppDeps } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/config.ts';

export interface TestServer {
  readonly app: App;
  readonly config: Config;
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts a real server in this process on 127.0.0.1 and a free port. `env`
 * takes the same variables as production (INBOX_TTL, MAX_WAIT, …); `deps`
 * can inject a FakeTime as clock and timers. /__metrics__ is rendered afresh
 * on every request (tests read gauges right after acting) unless
 * `deps.metrics` says otherwise. Per-client limits are off (RATE_LIMITS=off:
 * every test talks from 127.0.0.1) unless `env` sets them.
 */
export async function startServer(env: Record<string, string> = {}, deps: AppDeps = {}): Promise<TestServer> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', RATE_LIMITS: 'off', ...env });
  const app = createApp(config, { metrics: { maxAgeMs: 0 }, ...deps });
  const port = await app.listen();
  return { app, config, port, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/** The Authorization header value for HTTP Basic. */
export function basic(username: string, password: string): string {
  return 'Basic ' + Buffer.from(`${username}:${password}`).toString('base64');
}
