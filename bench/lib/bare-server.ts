// The ceiling: a uWS app with one route and no logic, started and pinned
// like the real server so both are measured the same way.
import { loadUwsCore } from '../../src/http/uws.ts';

const core = loadUwsCore();
if (!core.native) {
  console.error(`bare-server: ${core.description}; refusing to measure a fallback ceiling`);
  process.exit(1);
}
const port = Number(process.env.PORT ?? '0');
const app = core.uws.App()
  .any('/*', (res) => {
    res.writeStatus('204 No Content').endWithoutBody();
  })
  // The POST ceiling: what taking a body costs in uWS (the chunks copied, as any server must keep them), then 204.
  .post('/*', (res) => {
    let aborted = false;
    res.onAborted(() => (aborted = true));
    const chunks: Buffer[] = [];
    res.onData((chunk, isLast) => {
      chunks.push(Buffer.from(new Uint8Array(chunk)));
      if (isLast && !aborted) res.writeStatus('204 No Content').endWithoutBody();
    });
  });
app.listen('127.0.0.1', port, (socket) => {
  if (!socket) {
    console.error(`bare-server: cannot listen on 127.0.0.1:${port}`);
    process.exit(1);
  }
});
process.on('SIGTERM', () => process.exit(0));
