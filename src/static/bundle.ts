import { join } from 'node:path';

/**
 * Bundles one TypeScript entry point of the demo for the browser with
 * esbuild's JS API, in memory (nothing is written to disk). esbuild is
 * imported only when the demo is first asked for, so a server that never
 * serves it never loads it.
 */
export async function bundleForBrowser(dir: string, entry: string): Promise<Uint8Array> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [join(dir, entry)],
    bundle: true,
    write: false,
    outdir: '/virtual',
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox110', 'safari16'],
    sourcemap: false,
    logLevel: 'silent',
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
  if (!js) throw new Error(`esbuild produced no JavaScript for ${entry}`);
  return js.contents;
}
