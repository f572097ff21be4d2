/**
 * The page's zoom limit: the deepest view that some precision it may render in
 * still resolves (docs/precision.md).
 */
import { choosePrecision, MIN_ULPS_PER_PIXEL, type Precision, type PrecisionAssessment, type RequestedPrecision } from '../core/precision.ts';
import type { View } from '../core/view.ts';

/**
 * Returns the message that stops a move from `current` to `next`, or undefined when
 * the page may show `next`. A move stops when no usable precision resolves `next`
 * but one resolves `current`, so a view that is already beyond every precision (from
 * a link) can still zoom out. The usable precisions are `enginePrecisions` with
 * `auto`, else the requested one alone.
 */
export function precisionLimitMessage(
  current: View,
  next: View,
  requested: RequestedPrecision,
  enginePrecisions: readonly Precision[],
): string | undefined {
  const usable = requested === 'auto' ? enginePrecisions : enginePrecisions.filter((precision) => precision === requested);
  // A precision that the engine lacks fails at render time, with its own message.
  if (usable.length === 0) {
    return undefined;
  }
  const choice = choosePrecision(next, usable);
  if (choice.precision !== undefined || choosePrecision(current, usable).precision === undefined) {
    return undefined;
  }
  const limit = choice.assessments.at(-1)!;
  const reason = describeShortfall(limit);
  if (requested === 'auto') {
    return `Zooming further would pass ${limit.precision} precision, the finest this engine has: ${reason}.`;
  }
  const deeper = choosePrecision(next, enginePrecisions).precision;
  const hint = deeper === undefined ? '' : ` Choose precision auto (or ${deeper}) under Display to go deeper.`;
  return `Zooming further would pass ${limit.precision} precision, the precision chosen under Display: ${reason}.${hint}`;
}

/** Returns why a precision does not resolve a view: the first unresolved axis, or the target. */
function describeShortfall(assessment: PrecisionAssessment): string {
  const name = assessment.precision;
  const axis = assessment.axes.find((entry) => !entry.resolved);
  if (axis !== undefined) {
    return (
      `neighbouring pixels on the ${axis.axis} axis would be ${axis.spacing.toPrecision(3)} apart, ` +
      `${axis.ulpsPerPixel.toPrecision(3)} ${name} ulps (at least ${MIN_ULPS_PER_PIXEL} are needed)`
    );
  }
  return (
    `some pixels would have |ỹ|/min(1, ηλ₀/2) as small as ${assessment.smallestYTilde.toPrecision(3)}, ` +
    `below the ${assessment.minResolvedYTilde.toPrecision(3)} that the ${name} convergence test needs`
  );
}
