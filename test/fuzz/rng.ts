/**
 * A small seeded pseudo-random generator (sfc32 seeded through splitmix32) and
 * the building blocks the fuzz generators draw from. Everything a case does
 * is drawn from `Rng.forCase(seed, surface, index)`, so a seed and a case
 * index name one request exactly, whatever the timing of the others.
 */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** The generator of one case: independent of every other case's draws. */
  static forCase(seed: number, surface: string, index: number): Rng {
    let h = seed >>> 0;
    for (const ch of `${surface}#${index}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    return new Rng(h ^ Math.imul(index + 1, 0x9e3779b1));
  }

  u32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** [0, 1) */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** An integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }

  /** Picks by weight: `[[3, a], [1, b]]` gives a three times as often as b. */
  weighted<T>(items: readonly (readonly [number, T])[]): T {
    const total = items.reduce((n, [w]) => n + w, 0);
    let r = this.float() * total;
    for (const [w, item] of items) {
      if ((r -= w) < 0) return item;
    }
    return items[items.length - 1][1];
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i += 4) {
      const v = this.u32();
      out[i] = v & 0xff;
      if (i + 1 < n) out[i + 1] = (v >>> 8) & 0xff;
      if (i + 2 < n) out[i + 2] = (v >>> 16) & 0xff;
      if (i + 3 < n) out[i + 3] = v >>> 24;
    }
    return out;
  }

  /** A size skewed towards small values, with edges around `limit` when given. */
  size(limit?: number): number {
    return this.weighted<() => number>([
      [4, () => this.int(0, 16)],
      [3, () => this.int(0, 1024)],
      [1, () => this.int(0, 16 * 1024)],
      ...(limit !== undefined ? ([[2, () => limit + this.int(-2, 2)], [1, () => limit + this.int(1, 4096)]] as const) : []),
    ])();
  }

  /** A string of `n` characters drawn from a character class. */
  string(n: number, kind: CharKind = this.pick(CHAR_KINDS)): string {
    let out = '';
    for (let i = 0; i < n; i++) out += this.char(kind);
    return out;
  }

  char(kind: CharKind): string {
    switch (kind) {
      case 'name':
        return String.fromCharCode(this.int(0x21, 0x7e));
      case 'ascii':
        return String.fromCharCode(this.int(0x20, 0x7e));
      case 'control':
        return String.fromCharCode(this.pick([0, 9, 10, 13, 0x1b, 0x7f, this.int(0, 31)]));
      case 'latin1':
        return String.fromCharCode(this.int(0x80, 0xff));
      case 'unicode':
        return String.fromCodePoint(this.pick([0xe9, 0x4e2d, 0x1f600, 0xfeff, 0x202e, 0xfffd, this.int(0x100, 0xd7ff)]));
      case 'surrogate':
        return String.fromCharCode(this.int(0xd800, 0xdfff));
      case 'special':
        return this.pick([':', '%', '+', ' ', '&', '=', '?', '#', '/', '\\', '"', "'", '<', '>', '{', '}', '[', ']', ',', '.', '\u0000']);
    }
  }
}

export type CharKind = 'name' | 'ascii' | 'control' | 'latin1' | 'unicode' | 'surrogate' | 'special';
export const CHAR_KINDS: readonly CharKind[] = ['name', 'ascii', 'control', 'latin1', 'unicode', 'surrogate', 'special'];

/** A nested JSON value `depth` levels deep (arrays and objects alternating). */
export function nested(depth: number, leaf: unknown = 1): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { a: v };
  return v;
}

/** The same as text, without recursion (JSON.stringify overflows the stack on deep values). */
export function nestedText(depth: number, leaf = '1'): string {
  let open = '';
  let close = '';
  for (let i = depth - 1; i >= 0; i--) {
    open += i % 2 === 0 ? '[' : '{"a":';
  }
  for (let i = 0; i < depth; i++) close += i % 2 === 0 ? ']' : '}';
  return open + leaf + close;
}

/** A random JSON-compatible value of bounded size and depth. */
export function randomJson(r: Rng, depth = 4): unknown {
  const kinds = depth <= 0 ? 5 : 7;
  switch (r.int(0, kinds - 1)) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.pick([0, -1, 1.5, 1e308, -0, 2 ** 53 + 1, r.int(-1e9, 1e9)]);
    case 3:
      return r.string(r.size(), r.pick(CHAR_KINDS));
    case 4:
      return r.pick(['', 'null', '0', 'true', '__proto__', 'constructor', 'join', 'audio-video']);
    case 5: {
      const n = r.int(0, 5);
      return Array.from({ length: n }, () => randomJson(r, depth - 1));
    }
    default: {
      const out: Record<string, unknown> = {};
      const n = r.int(0, 5);
      for (let i = 0; i < n; i++) {
        const key = r.chance(0.3) ? r.pick(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']) : r.string(r.int(0, 8), 'name');
        // defineProperty: a plain assignment to "__proto__" would set the prototype instead of a key.
        Object.defineProperty(out, key, { value: randomJson(r, depth - 1), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
  }
}
