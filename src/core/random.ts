/**
 * Seeded random numbers for finite-width initializations. The generator is
 * xoshiro128** (Blackman and Vigna, 2018) seeded through splitmix32, so a seed
 * gives the same draws in every JavaScript engine.
 */
import { invariant } from './errors.ts';

/** A seeded stream of uniform, normal, gamma and χ² variates. */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | undefined;

  /** Creates a stream from an integer seed in [0, 2⁵³). */
  constructor(seed: number) {
    invariant(Number.isSafeInteger(seed) && seed >= 0, `seed must be a safe non-negative integer, got ${seed}`);
    const low = seed >>> 0;
    const high = Math.floor(seed / 0x100000000) >>> 0;
    let mix = (low ^ Math.imul(high, 0x9e3779b9)) >>> 0;
    const next = (): number => {
      mix = (mix + 0x9e3779b9) >>> 0;
      let z = mix;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next() ^ high;
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) {
      this.s0 = 1;
    }
  }

  /** Returns the next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotateLeft(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotateLeft(this.s3, 11);
    return result;
  }

  /** Returns a uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Returns a standard normal variate (Marsaglia's polar method). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return spare;
    }
    for (;;) {
      const a = 2 * this.uniform() - 1;
      const b = 2 * this.uniform() - 1;
      const r2 = a * a + b * b;
      if (r2 > 0 && r2 < 1) {
        const scale = Math.sqrt((-2 * Math.log(r2)) / r2);
        this.spareNormal = b * scale;
        return a * scale;
      }
    }
  }

  /**
   * Returns a Gamma(shape, 1) variate by Marsaglia and Tsang's method (2000),
   * with the boost Gamma(k) = Gamma(k + 1)·U^(1/k) for shape < 1.
   */
  gamma(shape: number): number {
    invariant(shape > 0 && Number.isFinite(shape), `gamma shape must be positive and finite, got ${shape}`);
    if (shape < 1) {
      const boost = this.uniform() ** (1 / shape);
      return this.gamma(shape + 1) * boost;
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniform();
      if (u < 1 - 0.0331 * x * x * x * x) {
        return d * v;
      }
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
        return d * v;
      }
    }
  }

  /** Returns a χ² variate with `degrees` degrees of freedom (0 gives 0). */
  chiSquared(degrees: number): number {
    invariant(degrees >= 0, `χ² degrees of freedom must be ≥ 0, got ${degrees}`);
    return degrees === 0 ? 0 : 2 * this.gamma(degrees / 2);
  }
}

function rotateLeft(value: number, bits: number): number {
  return ((value << bits) | (value >>> (32 - bits))) >>> 0;
}
