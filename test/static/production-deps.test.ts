import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

// The Docker image installs with `npm ci --omit=dev`: a package that the server (src/) or the demo
// it bundles at run time (demo/) loads, but that is only a dev dependency, would be missing there
// and the image would not start. Type-only imports need nothing at run time.

const ROOT = new URL('../../', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** The package of every module a file loads at run time: value imports and re-exports, side-effect imports, import() and require(). */
function runtimePackages(source: string): string[] {
  const specifiers = [
    ...[...source.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^'";]*?\bfrom\s+'([^']+)'/gm)].map((m) => m[1]),
    ...[...source.matchAll(/^\s*import\s+'([^']+)'/gm)].map((m) => m[1]),
    ...[...source.matchAll(/\b(?:import|require)\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]),
  ];
  return specifiers
    .filter((s) => !s.startsWith('.') && !s.startsWith('node:'))
    .map((s) => s.split('/').slice(0, s.startsWith('@') ? 2 : 1).join('/'));
}

test('the scan sees value imports, require and import(), and skips type-only imports', () => {
  assert.deepEqual(
    runtimePackages([
      "import type { Logger } from 'pino';",
      "import { Redis, type RedisOptions } from 'ioredis';",
      "export { x } from '@scope/pkg/sub';",
      "import './local.ts';",
      "const uws = require('uWebSockets.js');",
      "const esbuild = await import('esbuild');",
      "import { readFileSync } from 'node:fs';",
    ].join('\n')),
    ['ioredis', '@scope/pkg', 'uWebSockets.js', 'esbuild'],
  );
});

test('every package the server and the demo load at run time is a production dependency', () => {
  const used = new Map<string, string>();
  for (const file of [...tsFiles(join(ROOT, 'src')), ...tsFiles(join(ROOT, 'demo'))]) {
    for (const name of runtimePackages(readFileSync(file, 'utf8'))) used.set(name, file.slice(ROOT.length));
  }
  for (const known of ['uWebSockets.js', 'ioredis', 'hawk', 'esbuild', '@sinclair/typebox']) assert.ok(used.has(known), `the scan did not find ${known}`);
  const missing = [...used].filter(([name]) => !(name in pkg.dependencies)).map(([name, file]) => `${name} (${file})`);
  assert.deepEqual(missing, [], 'loaded at run time but not in "dependencies" (npm ci --omit=dev would leave them out)');
});
