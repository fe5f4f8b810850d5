import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One servable file, ready to write. */
export interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

interface FileSpec {
  /** A file served as is from the demo directory, or a TypeScript entry point served bundled. */
  readonly source: { readonly file: string } | { readonly bundle: string };
  readonly contentType: string;
}

const HTML = 'text/html; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';
const SVG = 'image/svg+xml';

/**
 * Every URL served under /demo/ (and /favicon.ico), by exact path. Anything else is a 404: there
 * is no path joining, so no request can name a file outside this table
 * (`..`, encoded slashes and the like simply match no key).
 */
const FILES: ReadonlyMap<string, FileSpec> = new Map([
  ['/demo/', { source: { file: 'index.html' }, contentType: HTML }],
  ['/demo/index.html', { source: { file: 'index.html' }, contentType: HTML }],
  ['/demo/plain.html', { source: { file: 'plain.html' }, contentType: HTML }],
  ['/demo/style.css', { source: { file: 'style.css' }, contentType: CSS }],
  ['/demo/app.js', { source: { bundle: 'app.ts' }, contentType: JS }],
  ['/demo/plain.js', { source: { bundle: 'plain.ts' }, contentType: JS }],
  ['/demo/favicon.svg', { source: { file: 'favicon.svg' }, contentType: SVG }],
  // Browsers ask for /favicon.ico on their own; an SVG under that name is what they get (they go by Content-Type).
  ['/favicon.ico', { source: { file: 'favicon.svg' }, contentType: SVG }],
]);

/** Where the demo's sources live: `demo/` at the repository root. */
export const DEMO_DIR = fileURLToPath(new URL('../../demo/', import.meta.url));

export interface StaticFilesOptions {
  /** The directory holding the demo sources. */
  readonly dir: string;
  /** Bundles one entry point (a file name in `dir`) for the browser: esbuild in production, anything in tests. */
  readonly bundle: (dir: string, entry: string) => Promise<Uint8Array>;
}

/**
 * The demo's files, each read or bundled on its first request and then held
 * in memory (concurrent first requests share one load). A failed load is not
 * cached: the next request tries again.
 */
export class StaticFiles {
  readonly #o: StaticFilesOptions;
  readonly #loaded = new Map<FileSpec, Promise<Asset>>();

  constructor(options: StaticFilesOptions) {
    this.#o = options;
  }

  /** Whether `path` is one of the served files (no I/O). */
  has(path: string): boolean {
    return FILES.has(path);
  }

  /** The asset for `path`, or undefined when it is not in the table. Rejects when loading failed. */
  async get(path: string): Promise<Asset | undefined> {
    const spec = FILES.get(path);
    if (!spec) return undefined;
    let loading = this.#loaded.get(spec);
    if (!loading) {
      loading = this.#load(spec);
      this.#loaded.set(spec, loading);
      loading.catch(() => this.#loaded.delete(spec));
    }
    return loading;
  }

  async #load(spec: FileSpec): Promise<Asset> {
    const src = spec.source;
    const body = 'file' in src
      ? await readFile(join(this.#o.dir, src.file))
      : Buffer.from(await this.#o.bundle(this.#o.dir, src.bundle));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    return { body, contentType: spec.contentType, etag };
  }
}
