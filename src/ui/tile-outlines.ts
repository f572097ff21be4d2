/**
 * Outlines of the engine's tiles on the phase map, for the `tiles=1` debug flag.
 * A tile is a run of pixels in row-major order, so a boundary between two tiles is
 * a step: the row where the next tile starts belongs to both.
 */

/** A boundary between two tiles as a polyline in image pixels: x from the left edge, y from the top. */
export type TileBoundary = Array<{ x: number; y: number }>;

/**
 * Returns the boundaries between consecutive tiles of an image of `columns` × `rows`
 * pixels whose tiles start at the pixels in `tileStarts` (row-major, ascending, the
 * first 0). A tile that starts at column 0 gives one horizontal line. A tile that
 * starts inside a row gives a step: along the bottom of that row up to the tile's
 * first column, up one row, and along the top of the row to the right edge.
 */
export function tileBoundaries(tileStarts: readonly number[], columns: number, rows: number): TileBoundary[] {
  const boundaries: TileBoundary[] = [];
  for (const start of tileStarts) {
    if (start <= 0 || start >= columns * rows) {
      continue;
    }
    const row = Math.floor(start / columns);
    const column = start - row * columns;
    if (column === 0) {
      boundaries.push([
        { x: 0, y: row },
        { x: columns, y: row },
      ]);
    } else {
      boundaries.push([
        { x: 0, y: row + 1 },
        { x: column, y: row + 1 },
        { x: column, y: row },
        { x: columns, y: row },
      ]);
    }
  }
  return boundaries;
}
