import type { HttpServer } from './http/server.ts';
import type { Metrics } from './metrics.ts';

/**
 * /__metrics__ (rendered at most once a second, see Metrics.render), on the
 * main server or on its own listener (METRICS_PORT). The heartbeats
 * (/__heartbeat__, /__lbheartbeat__) are shared by both surfaces and served by
 * the Loop router (src/loop/routes/service.ts), which answers them at /v1 too,
 * with the §4 shape: `{"storage": …}` covers the inbox store as well.
 */
export function registerServiceRoutes(http: HttpServer, metrics: Metrics): HttpServer {
  return http.route('get', '/__metrics__', 'GET /__metrics__', {}, async (_req, reply) => {
    const body = await metrics.render();
    reply.send(200, [['Content-Type', metrics.contentType], ['Cache-Control', 'no-store']], body);
  });
}
