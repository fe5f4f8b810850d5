// Runs the test files given, in the order given, with node:test's run() and the spec reporter;
// exits 1 when a test failed. (`node --test` sorts its files; test/run.mjs chooses the order.)
// Each file runs in a child process with this process's node flags (--enable-source-maps, or
// --import tsx). Usage: node [flags] run-files.mjs CONCURRENCY FILE...
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const [concurrencyArg, ...files] = process.argv.slice(2);
const concurrency = Number(concurrencyArg);
if (!Number.isInteger(concurrency) || concurrency < 1) {
  console.error(`TEST_CONCURRENCY must be a whole number of at least 1, not ${JSON.stringify(concurrencyArg)}`);
  process.exit(2);
}
let failed = false;
const stream = run({ files, concurrency, timeout: 120_000 });
stream.on('test:fail', (data) => {
  if (!data.todo) failed = true;
});
stream.compose(new spec()).pipe(process.stdout);
stream.on('end', () => {
  process.exitCode = failed ? 1 : 0;
});
