import { describe, expect, it } from 'vitest';
import { tileBoundaries } from '../../src/ui/tile-outlines.ts';

describe('tileBoundaries', () => {
  it('draws a line between tiles that start at a row', () => {
    expect(tileBoundaries([0, 40], 10, 8)).toEqual([
      [
        { x: 0, y: 4 },
        { x: 10, y: 4 },
      ],
    ]);
  });

  it('steps around a row that two tiles share', () => {
    // Pixels 0 … 23 are the first tile: rows 0 and 1, and columns 0 … 3 of row 2.
    expect(tileBoundaries([0, 24], 10, 8)).toEqual([
      [
        { x: 0, y: 3 },
        { x: 4, y: 3 },
        { x: 4, y: 2 },
        { x: 10, y: 2 },
      ],
    ]);
  });

  it('draws nothing for a single tile or starts outside the image', () => {
    expect(tileBoundaries([0], 10, 8)).toEqual([]);
    expect(tileBoundaries([0, 80, 95], 10, 8)).toEqual([]);
  });
});
