import { describe, expect, it } from 'vitest';
import type { Axis } from '../../src/core/view.ts';
import { axisAt, axisFraction, clampAxis, panAxis, reprojectRect, subAxis, zoomAxis } from '../../src/ui/view-geometry.ts';

const linear: Axis = { parameter: 'etaRatio', min: 0, max: 2, scale: 'linear' };
const log: Axis = { parameter: 'eta', min: 0.01, max: 100, scale: 'log' };

describe('view geometry', () => {
  it('maps fractions both ways', () => {
    expect(axisAt(linear, 0.25)).toBe(0.5);
    expect(axisFraction(linear, 0.5)).toBe(0.25);
    expect(axisAt(log, 0.5)).toBeCloseTo(1, 12);
    expect(axisFraction(log, 10)).toBeCloseTo(0.75, 12);
  });

  it('zooms about a fixed point', () => {
    const zoomed = zoomAxis({ ...linear, min: 0.5 }, 0.25, 0.5);
    // The value under the pointer (t = 0.25: 0.875) stays at t = 0.25.
    expect(axisAt(zoomed, 0.25)).toBeCloseTo(0.875, 12);
    expect(zoomed.max - zoomed.min).toBeCloseTo(0.75, 12);
    const logZoom = zoomAxis(log, 0.5, 0.5);
    expect(logZoom.min).toBeCloseTo(0.1, 12);
    expect(logZoom.max).toBeCloseTo(10, 12);
  });

  it('pans by a fraction', () => {
    const panned = panAxis({ ...linear, min: 1, max: 2 }, 0.5);
    expect(panned.min).toBeCloseTo(1.5, 12);
    expect(panned.max).toBeCloseTo(2.5, 12);
  });

  it('keeps axes inside their limits', () => {
    const s: Axis = { parameter: 'parameterization', min: 0.5, max: 1, scale: 'linear' };
    const moved = panAxis(s, 0.5);
    expect(moved.max).toBe(1);
    expect(moved.min).toBeCloseTo(0.5, 12);
    expect(clampAxis({ ...linear, min: -1, max: 1 }).min).toBe(Number.MIN_VALUE);
    expect(subAxis(log, 0.2, 0.1).min).toBeLessThan(subAxis(log, 0.2, 0.1).max);
  });

  it('reprojects a zoomed-out picture', () => {
    const inner = zoomAxis(linear, 0.5, 0.5); // [0.5, 1.5]
    const rect = reprojectRect(linear, linear, inner, inner);
    expect(rect.left).toBeCloseTo(-0.5, 12);
    expect(rect.right).toBeCloseTo(1.5, 12);
    expect(rect.top).toBeCloseTo(-0.5, 12);
    expect(rect.bottom).toBeCloseTo(1.5, 12);
  });
});
