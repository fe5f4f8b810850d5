import type { HttpServer } from './http/server.ts';
import type { Metrics } from './metrics.ts';
import type { InboxStore } from './store/types.ts';

const STORAGE_TIMEOUT_MS = 2000;

/** /__heartbeat__, /__lbheartbeat__ and /__metrics__, shared by both surfaces. */
export function registerServiceRoutes(http: HttpServer, store: InboxStore, metrics: Metrics, accepting: () => boolean): void {
  const noStore = [['Cache-Control', 'no-store']] as const;

  http.route('get', '/__heartbeat__', 'GET /__heartbeat__', {}, async (_req, reply) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), STORAGE_TIMEOUT_MS);
    });
    const storage = await Promise.race([store.ping().catch(() => false), timeout]);
    clearTimeout(timer);
    reply.json(storage ? 200 : 503, { storage }, noStore);
  });

  http.route('get', '/__lbheartbeat__', 'GET /__lbheartbeat__', {}, (_req, reply) => {
    if (accepting()) reply.json(200, {}, noStore);
    else reply.json(503, { code: 503, error: 'shutting_down', message: 'The server is stopping.' }, noStore);
  });

  http.route('get', '/__metrics__', 'GET /__metrics__', {}, async (_req, reply) => {
    const text = await metrics.text();
    reply.send(200, [['Content-Type', metrics.contentType], ...noStore], text);
  });
}
