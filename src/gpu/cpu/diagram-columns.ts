/**
 * The CPU engine's diagram kernel: the counts of a batch of bifurcation-diagram
 * columns, computed in float64 by the core's accumulateDiagram and returned in
 * arrays that cover only the batch, so a worker can transfer them.
 */
import { accumulateDiagram, emptyDensity, type BifurcationDiagram, type DiagramDensity } from '../../core/bifurcation-diagram.ts';

/** Counts of columns firstColumn … firstColumn + columnCount − 1 of a diagram. */
export interface DiagramColumns {
  firstColumn: number;
  columnCount: number;
  /** Recorded states per cell, row-major: cell (row, firstColumn + i) at row · columnCount + i. */
  counts: Uint32Array<ArrayBuffer>;
  /** Diverged trajectories of each column of the batch. */
  diverged: Uint32Array<ArrayBuffer>;
  /** Trajectories with invalid parameters of each column of the batch. */
  invalid: Uint32Array<ArrayBuffer>;
}

/**
 * Density of the whole diagram that accumulateDiagram writes into, because it indexes
 * cells by the diagram's own column count. It is kept between calls and zeroed again
 * in the batch's columns after each call, so a worker allocates it once per diagram
 * size and not once per batch. It costs columns × rows × 4 bytes per worker.
 */
let scratch: DiagramDensity | undefined;

/**
 * Computes the counts of columns [firstColumn, firstColumn + columnCount) of `diagram`.
 * They equal those that accumulateDiagram(diagram, firstColumn, columnCount) writes.
 * Throws a RangeError when the columns fall outside the diagram.
 */
export function accumulateDiagramColumns(diagram: BifurcationDiagram, firstColumn: number, columnCount: number): DiagramColumns {
  if (!Number.isInteger(firstColumn) || firstColumn < 0 || firstColumn >= diagram.columns) {
    throw new RangeError(`Invalid firstColumn: ${firstColumn}. Expected an integer in [0, ${diagram.columns - 1}].`);
  }
  if (!Number.isInteger(columnCount) || columnCount < 1 || firstColumn + columnCount > diagram.columns) {
    throw new RangeError(`Invalid columnCount: ${columnCount}. Expected an integer in [1, ${diagram.columns - firstColumn}] for firstColumn ${firstColumn}.`);
  }

  if (scratch === undefined || scratch.columns !== diagram.columns || scratch.rows !== diagram.rows) {
    scratch = emptyDensity(diagram);
  }
  const density = scratch;
  // Until the batch's columns are zeroed again below, a throw must not leave them in the scratch.
  scratch = undefined;
  accumulateDiagram(diagram, firstColumn, columnCount, density);

  const counts = new Uint32Array(diagram.rows * columnCount);
  for (let row = 0; row < diagram.rows; row++) {
    const rowStart = row * diagram.columns + firstColumn;
    const cells = density.counts.subarray(rowStart, rowStart + columnCount);
    counts.set(cells, row * columnCount);
    cells.fill(0);
  }
  const diverged = density.diverged.slice(firstColumn, firstColumn + columnCount);
  const invalid = density.invalid.slice(firstColumn, firstColumn + columnCount);
  density.diverged.fill(0, firstColumn, firstColumn + columnCount);
  density.invalid.fill(0, firstColumn, firstColumn + columnCount);
  scratch = density;
  return { firstColumn, columnCount, counts, diverged, invalid };
}

/**
 * Adds the counts of a batch into `density` at the batch's columns.
 * Throws a RangeError when the batch does not fit the density.
 */
export function addDiagramColumns(density: DiagramDensity, columns: DiagramColumns): void {
  const { firstColumn, columnCount } = columns;
  if (firstColumn < 0 || columnCount < 1 || firstColumn + columnCount > density.columns || columns.counts.length !== density.rows * columnCount) {
    throw new RangeError(
      `Diagram columns ${firstColumn}–${firstColumn + columnCount - 1} with ${columns.counts.length} counts do not fit a density of ` +
        `${density.columns} columns × ${density.rows} rows.`,
    );
  }
  for (let row = 0; row < density.rows; row++) {
    const rowStart = row * density.columns + firstColumn;
    for (let column = 0; column < columnCount; column++) {
      density.counts[rowStart + column]! += columns.counts[row * columnCount + column]!;
    }
  }
  for (let column = 0; column < columnCount; column++) {
    density.diverged[firstColumn + column]! += columns.diverged[column]!;
    density.invalid[firstColumn + column]! += columns.invalid[column]!;
  }
}
