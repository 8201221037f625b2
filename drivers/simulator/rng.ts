/**
 * Seeded pseudo-random numbers. The simulator must be reproducible from its seed (training data,
 * tests and benchmarks depend on it), so Math.random is never used anywhere in this folder.
 *
 * Generator: xoshiro128** (Blackman & Vigna, 2018), 32-bit state words so it stays fast on the
 * 32-bit integer paths of V8; seeded through splitmix32 so that nearby seeds give unrelated streams.
 */

/** splitmix32 step: spreads a small integer seed over the 128-bit xoshiro state. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** FNV-1a 32-bit hash: the default seed of a device is the hash of its id. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareGaussian: number | undefined;

  constructor(seed: number) {
    const sm = { s: seed | 0 };
    this.a = splitmix32(sm);
    this.b = splitmix32(sm);
    this.c = splitmix32(sm);
    this.d = splitmix32(sm);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1; // the all-zero state is a fixed point
  }

  /** Next 32-bit unsigned integer (xoshiro128**). */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Integer uniform in [min, max] inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Standard normal via the Box-Muller transform (the second value is kept for the next call). */
  gaussian(mean = 0, sd = 1): number {
    if (this.spareGaussian !== undefined) {
      const z = this.spareGaussian;
      this.spareGaussian = undefined;
      return mean + sd * z;
    }
    let u = 0;
    while (u === 0) u = this.next(); // log(0) is -Infinity
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareGaussian = r * Math.sin(2 * Math.PI * v);
    return mean + sd * r * Math.cos(2 * Math.PI * v);
  }

  /** Exponentially distributed waiting time with the given rate (events per unit). */
  exponential(rate: number): number {
    if (rate <= 0) return Number.POSITIVE_INFINITY;
    let u = 0;
    while (u === 0) u = this.next();
    return -Math.log(u) / rate;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** An independent child stream (e.g. measurement noise separate from the physics draws). */
  fork(label: number): Rng {
    return new Rng((this.nextU32() ^ Math.imul(label + 1, 0x9e3779b1)) | 0);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Pre-drawn standard normals for measurement noise, where a reading needs one per cell (96+) and
 * Box-Muller per value would dominate the cost of a 1 Hz readout. Each reading starts at a random
 * offset and walks the table, so values within a reading are independent draws and readings do not
 * repeat in step. Deterministic from the Rng it is built from.
 */
export class GaussianTable {
  private static readonly SIZE = 8192; // power of two
  private readonly values: Float64Array;
  private cursor = 0;

  constructor(private readonly rng: Rng) {
    this.values = new Float64Array(GaussianTable.SIZE);
    for (let i = 0; i < GaussianTable.SIZE; i++) this.values[i] = rng.gaussian();
  }

  /** Start a new reading at a random place in the table. */
  restart(): void {
    this.cursor = this.rng.nextU32();
  }

  /** Next standard normal value. */
  next(): number {
    this.cursor = (this.cursor + 1) | 0;
    return this.values[this.cursor & (GaussianTable.SIZE - 1)] as number;
  }
}
