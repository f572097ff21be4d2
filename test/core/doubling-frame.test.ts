import { describe, expect, it } from 'vitest';
import { nextDoublingFrame } from '../../src/core/doubling-frame.ts';
import { findBifurcations } from '../../src/core/bifurcations.ts';

const points = findBifurcations({ depth: 8, skipHatChecks: true }).doublings.map((doubling) => ({ k: doubling.k, value: doubling.yTilde }));

describe('nextDoublingFrame', () => {
  it('frames the second doubling from the default range', () => {
    const frame = nextDoublingFrame(points, { min: 0.9, max: 2.05 })!;
    expect(frame.k).toBe(2);
    const gap = points[1]!.value - points[0]!.value;
    expect(frame.min).toBeCloseTo(points[1]!.value - gap / 2, 14);
    expect(frame.max).toBeCloseTo(points[1]!.value + gap / 2, 14);
  });

  it('zooms one level per call', () => {
    let range = { min: 0.9, max: 2.05 };
    for (let k = 2; k <= 8; k++) {
      const frame = nextDoublingFrame(points, range)!;
      expect(frame.k).toBe(k);
      // The frame excludes the previous level and contains the next one.
      expect(points[k - 2]!.value).toBeLessThan(frame.min);
      if (k < 8) {
        expect(points[k]!.value).toBeLessThan(frame.max);
      }
      const width = range.max - range.min;
      range = frame;
      if (k > 3) {
        // Successive frames shrink by about Feigenbaum's δ ≈ 4.67.
        expect(width / (range.max - range.min)).toBeGreaterThan(4.4);
        expect(width / (range.max - range.min)).toBeLessThan(4.9);
      }
    }
  });

  it('needs two consecutive levels in range', () => {
    expect(nextDoublingFrame(points, { min: 1.1, max: 1.25 })).toBeUndefined();
    expect(nextDoublingFrame([], { min: 0, max: 2 })).toBeUndefined();
    expect(nextDoublingFrame([{ k: 1, value: 1 }, { k: 3, value: 1.28 }], { min: 0, max: 2 })).toBeUndefined();
  });
});
