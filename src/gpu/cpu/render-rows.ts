/**
 * The CPU engine's kernel: the layers of a band of rows of a view, computed in
 * float64 by the core's own map, analysis and sample-combining rules.
 */
import { runHatTrajectory, type TrajectoryAnalysis } from '../../core/analysis.ts';
import { combineSamples, LAYER_COUNT } from '../../core/layers.ts';
import { pixelStart, type View } from '../../core/view.ts';

/**
 * Computes the layers of rows [firstRow, firstRow + rowCount) of `view` into `out`.
 *
 * `out` is pixel-major: pixel (column, row) occupies the LAYER_COUNT floats from
 * ((row − firstRow) · columns + column) · LAYER_COUNT, in the order of LAYER_NAMES.
 * A pixel is invalid when any of its samples has no valid start (pixelStart returns
 * undefined). Throws a RangeError when the rows fall outside the view or `out` is too short.
 */
export function renderRows(view: View, firstRow: number, rowCount: number, out: Float32Array): void {
  if (!Number.isInteger(firstRow) || firstRow < 0 || firstRow >= view.rows) {
    throw new RangeError(`Invalid firstRow: ${firstRow}. Expected an integer in [0, ${view.rows - 1}].`);
  }
  if (!Number.isInteger(rowCount) || rowCount < 1 || firstRow + rowCount > view.rows) {
    throw new RangeError(`Invalid rowCount: ${rowCount}. Expected an integer in [1, ${view.rows - firstRow}] for firstRow ${firstRow}.`);
  }
  const required = rowCount * view.columns * LAYER_COUNT;
  if (out.length < required) {
    throw new RangeError(`Output array too short: ${out.length} floats for ${rowCount} rows of ${view.columns} pixels, which need ${required}.`);
  }

  const steps = view.experiment.steps;
  for (let row = firstRow; row < firstRow + rowCount; row++) {
    for (let column = 0; column < view.columns; column++) {
      const offset = ((row - firstRow) * view.columns + column) * LAYER_COUNT;
      combineSamples(analyzePixel(view, column, row, steps), out, offset);
    }
  }
}

/** Runs every sample of one pixel, or returns undefined as soon as one sample has no valid start. */
function analyzePixel(view: View, column: number, row: number, steps: number): TrajectoryAnalysis[] | undefined {
  const analyses: TrajectoryAnalysis[] = [];
  for (let sample = 0; sample < view.samples; sample++) {
    const start = pixelStart(view, column, row, sample);
    if (start === undefined) {
      return undefined;
    }
    analyses.push(runHatTrajectory({ pHat: start.pHat, qHat: start.qHat }, start.yTilde, steps).analysis);
  }
  return analyses;
}
