// Bundles test files with esbuild (the compiler tsx runs on each file) so that each test process
// loads a few plain .mjs files instead of sending every TypeScript module through tsx's loader
// hooks (under Node 20 a round trip to another thread each).
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Each bundled module keeps its own `import.meta.url` (the original file's), so paths built from it
 * (package.json, demo/, docs/, test artifacts) still resolve as they do under tsx.
 */
const ownImportMetaUrl = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.(ts|mjs)$/ }, async (args) => {
      if (args.path.includes('/node_modules/')) return undefined;
      const source = await readFile(args.path, 'utf8');
      const contents = source.includes('import.meta.url') ? source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)) : source;
      return { contents, loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
    });
  },
};

/**
 * Bundles `files` (paths relative to `root`) into `outdir` (inside `root`, so that packages resolve
 * from its node_modules, which stay external); shared code goes into chunks. Returns the bundled
 * path of each file, in order.
 */
export async function bundleTests(root, files, outdir) {
  await build({
    absWorkingDir: root,
    entryPoints: files,
    outdir,
    outbase: '.',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    keepNames: true, // class and function names stay as written (errors and logs show them)
    sourcemap: 'linked', // stack traces point to the TypeScript lines (node --enable-source-maps)
    plugins: [ownImportMetaUrl],
    logLevel: 'warning',
  });
  return files.map((f) => relative(root, join(outdir, f.replace(/\.ts$/, '.mjs'))));
}
