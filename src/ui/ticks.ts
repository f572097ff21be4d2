/**
 * Axis ticks and their labels for the canvas plots: linear ticks at 1, 2 or 5 × 10^k
 * steps, logarithmic ticks at decades (with 2 and 5 subdivisions on short ranges),
 * and compact labels. DOM-free, so the phase map and the trajectory inspector share it.
 */
import type { RangeAxis } from './view-geometry.ts';

/** Mantissas of the nice steps, in increasing order. */
const NICE_MANTISSAS = [1, 2, 5] as const;

/** Largest tick count honoured; a larger `maxCount` is treated as this. */
export const MAX_TICK_COUNT = 1000;

/** Spans below this are treated as a single point, which keeps every step above 10⁻³⁰⁰ and 10^k exact to compute. */
const MIN_SPAN = 1e-290;

/** A nice step m × 10^exponent, kept as integers so tick values can be computed without drift. */
interface NiceStep {
  mantissa: 1 | 2 | 5;
  exponent: number;
}

function stepValue(step: NiceStep): number {
  return decimal(step.mantissa, step.exponent);
}

/**
 * Returns integer × 10^exponent, correctly rounded when 10^|exponent| is exact (|exponent| ≤ 22)
 * and the integer is below 2⁵³.
 */
function decimal(integer: number, exponent: number): number {
  // Dividing by an exact power of ten rounds once, where multiplying by 10^−k (inexact) would round twice.
  return exponent >= 0 ? integer * 10 ** exponent : integer / 10 ** -exponent;
}

/** Returns the next larger nice step: 1 → 2 → 5 → 10. */
function nextStep(step: NiceStep): NiceStep {
  const index = NICE_MANTISSAS.indexOf(step.mantissa);
  return index < NICE_MANTISSAS.length - 1
    ? { mantissa: NICE_MANTISSAS[index + 1]!, exponent: step.exponent }
    : { mantissa: 1, exponent: step.exponent + 1 };
}

/** Returns the largest nice step that is at most `value` (value > 0 and finite). */
function niceStepBelow(value: number): NiceStep {
  let exponent = Math.floor(Math.log10(value));
  // log10 can be off by one ulp near powers of ten, so correct the decade.
  if (decimal(1, exponent) > value) {
    exponent -= 1;
  } else if (decimal(1, exponent + 1) <= value) {
    exponent += 1;
  }
  let step: NiceStep = { mantissa: 1, exponent };
  for (;;) {
    const next = nextStep(step);
    if (stepValue(next) > value) {
      return step;
    }
    step = next;
  }
}

/**
 * Returns the multiples of `step` in [low, high], increasing and exact to one rounding.
 * The index range gets one extra index on each side because low/step may round across
 * an integer (−0.3/0.1 = −2.9999999999999996); the comparison with the bounds is exact.
 */
function multiplesInRange(low: number, high: number, step: NiceStep): number[] {
  const size = stepValue(step);
  const first = Math.ceil(low / size) - 1;
  const last = Math.floor(high / size) + 1;
  const values: number[] = [];
  for (let k = first; k <= last; k++) {
    // Adding 0 turns −0 into 0.
    const value = decimal(k * step.mantissa, step.exponent) + 0;
    if (value >= low && value <= high && (values.length === 0 || value > values[values.length - 1]!)) {
      values.push(value);
    }
  }
  return values;
}

/** Sorted copy of a range, or undefined when a bound is not finite. */
function orderedRange(min: number, max: number): [number, number] | undefined {
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    return undefined;
  }
  return min <= max ? [min, max] : [max, min];
}

/** Returns whether a range is too narrow for distinct ticks at double precision. */
function isDegenerate(min: number, max: number): boolean {
  const span = max - min;
  return span < MIN_SPAN || span <= 8 * Number.EPSILON * Math.max(Math.abs(min), Math.abs(max));
}

function clampCount(maxCount: number): number {
  return Math.min(MAX_TICK_COUNT, Math.floor(maxCount));
}

/**
 * Returns the step of {@link niceLinearTicks}: the smallest 1, 2 or 5 × 10^k that puts
 * at most `maxCount` ticks in [min, max]. Returns NaN when the range is not finite,
 * degenerate (min = max to within a few ulps) or `maxCount` < 1.
 */
export function niceTickStep(min: number, max: number, maxCount: number): number {
  const range = orderedRange(min, max);
  if (range === undefined || !(maxCount >= 1) || isDegenerate(range[0], range[1])) {
    return NaN;
  }
  return stepValue(niceStepFor(range[0], range[1], clampCount(maxCount)).step);
}

/**
 * Returns the smallest nice step with at most `maxCount` (1 … MAX_TICK_COUNT) multiples in
 * a non-degenerate [min, max], with those multiples.
 */
function niceStepFor(min: number, max: number, maxCount: number): { step: NiceStep; ticks: number[] } {
  // Start one nice step below span / (maxCount + 1) and grow: a few iterations at most.
  // Dividing each bound first keeps the span finite for ranges such as [−1e308, 1e308].
  let step = niceStepBelow(max / (maxCount + 1) - min / (maxCount + 1));
  for (;;) {
    const size = stepValue(step);
    // The index estimate is off by at most one each side; listing the multiples is exact
    // and, once the estimate is close, cheap.
    const estimate = Math.floor(max / size) - Math.ceil(min / size) + 1;
    if (estimate <= maxCount + 2) {
      const ticks = multiplesInRange(min, max, step);
      if (ticks.length <= maxCount) {
        return { step, ticks };
      }
    }
    step = nextStep(step);
  }
}

/**
 * Returns increasing tick values in [min, max] at multiples of a nice step (1, 2 or
 * 5 × 10^k), at most `maxCount` of them, as many as that allows. The bounds may come
 * in either order. A range narrower than a few ulps returns [min]. When no multiple of
 * the chosen step lies in the range (possible only for `maxCount` ≤ 2), returns the bounds.
 * Returns [] for non-finite bounds or `maxCount` < 1.
 */
export function niceLinearTicks(min: number, max: number, maxCount: number): number[] {
  const range = orderedRange(min, max);
  if (range === undefined || !(maxCount >= 1)) {
    return [];
  }
  const [low, high] = range;
  if (isDegenerate(low, high)) {
    return [low];
  }
  const count = clampCount(maxCount);
  const { ticks } = niceStepFor(low, high, count);
  if (ticks.length === 0) {
    return count >= 2 ? [low, high] : [low];
  }
  return ticks;
}

/**
 * Returns increasing logarithmic tick values in [min, max] (both > 0): the powers of ten,
 * and also 2 and 5 × 10^k when the range spans less than about two decades and they fit.
 * When decades alone exceed `maxCount`, every n-th decade is kept, with n chosen so that
 * 10^0 stays among them. A range that contains none of these values (narrower than a factor
 * of 2.5) falls back to {@link niceLinearTicks}. Returns [] for non-finite or
 * non-positive bounds, or `maxCount` < 1.
 */
export function logTicks(min: number, max: number, maxCount: number): number[] {
  const range = orderedRange(min, max);
  if (range === undefined || !(range[0] > 0) || !(maxCount >= 1)) {
    return [];
  }
  const [low, high] = range;
  const count = clampCount(maxCount);
  // One decade of slack on each side absorbs the rounding of log10; the filter below is exact.
  const lowExponent = Math.floor(Math.log10(low)) - 1;
  const highExponent = Math.ceil(Math.log10(high)) + 1;

  if (Math.log10(high / low) < 2) {
    const subdivided = collectLogTicks(low, high, lowExponent, highExponent, NICE_MANTISSAS, 1);
    if (subdivided.length >= 2 && subdivided.length <= count) {
      return subdivided;
    }
  }

  const decades = collectLogTicks(low, high, lowExponent, highExponent, [1], 1);
  if (decades.length > count) {
    const stride = Math.ceil(decades.length / count);
    return collectLogTicks(low, high, lowExponent, highExponent, [1], stride).slice(0, count);
  }
  if (decades.length >= 2 || (decades.length === 1 && count === 1)) {
    return decades;
  }
  const subdivided = collectLogTicks(low, high, lowExponent, highExponent, NICE_MANTISSAS, 1);
  if (subdivided.length >= 1 && subdivided.length <= count) {
    return subdivided;
  }
  return decades.length > 0 ? decades : niceLinearTicks(low, high, count);
}

function collectLogTicks(
  low: number,
  high: number,
  lowExponent: number,
  highExponent: number,
  mantissas: readonly number[],
  stride: number,
): number[] {
  const ticks: number[] = [];
  for (let exponent = lowExponent; exponent <= highExponent; exponent++) {
    if (((exponent % stride) + stride) % stride !== 0) {
      continue;
    }
    for (const mantissa of mantissas) {
      // Parsing the decimal literal gives the double nearest to m × 10^k, even for k < −22.
      const value = Number(`${mantissa}e${exponent}`);
      if (value >= low && value <= high) {
        ticks.push(value);
      }
    }
  }
  return ticks;
}

/** Values at or above this magnitude are written in exponent form. */
const EXPONENT_FORM_ABOVE = 1e5;
/** Non-zero values below this magnitude are written in exponent form. */
const EXPONENT_FORM_BELOW = 1e-3;

/** Significant digits of a label that the step alone does not ask for. */
const LABEL_SIGNIFICANT_DIGITS = 6;

/**
 * Formats a tick value with just enough digits to tell it from its neighbours `step`
 * apart, and never fewer than its own leading digits up to 6 significant ones (so the
 * linear fallback of {@link logTicks}, labelled with the value as step, keeps "3.2").
 * Magnitudes in [10⁻³, 10⁵) use fixed notation ("0.05", "1.25", "-300"), others exponent
 * notation ("1e-6", "2.5e5"). Labels parse back with Number(). A value within 10⁻⁹ step
 * of zero prints as "0". For a logarithmic tick, pass the value itself as `step`.
 */
export function formatTick(value: number, step: number): string {
  if (!Number.isFinite(value)) {
    return String(value);
  }
  const usableStep = Number.isFinite(step) && step > 0;
  if (value === 0 || (usableStep && Math.abs(value) < step * 1e-9)) {
    return '0';
  }
  const magnitude = Math.abs(value);
  // The value's own digits: "3.20000e+0" has mantissa decimals 1 and exponent 0.
  const [mantissaText, exponentText] = magnitude.toExponential(LABEL_SIGNIFICANT_DIGITS - 1).split('e') as [string, string];
  const valueExponent = Number(exponentText);
  const mantissaDecimals = trimZeros(mantissaText).split('.')[1]?.length ?? 0;
  // The step's leading digit sits at 10^stepExponent; the label needs digits down to there.
  const stepExponent = usableStep ? Math.floor(Math.log10(step) + 1e-9) : valueExponent;

  if (magnitude >= EXPONENT_FORM_ABOVE || magnitude < EXPONENT_FORM_BELOW) {
    const digits = Math.min(20, Math.max(0, valueExponent - stepExponent, mantissaDecimals));
    return compactExponent(value.toExponential(digits));
  }
  const decimals = Math.min(20, Math.max(0, -stepExponent, mantissaDecimals - valueExponent));
  return trimZeros(value.toFixed(decimals));
}

/** Turns "1.50e+5" into "1.5e5" and "2.0e-6" into "2e-6". */
function compactExponent(text: string): string {
  const [mantissa, exponent] = text.split('e') as [string, string];
  return `${trimZeros(mantissa)}e${exponent.replace('+', '')}`;
}

/** Removes trailing zeros after a decimal point, and the point if nothing follows it. */
function trimZeros(text: string): string {
  if (!text.includes('.')) {
    return text;
  }
  return text.replace(/0+$/, '').replace(/\.$/, '');
}

/** Returns about `count` ticks of an axis with their labels: nice linear steps, or decades on a log axis. */
export function axisTicks(axis: RangeAxis, count: number): Array<{ value: number; label: string }> {
  const values = axis.scale === 'log' ? logTicks(axis.min, axis.max, count) : niceLinearTicks(axis.min, axis.max, count);
  const step = values.length > 1 ? Math.abs(values[1]! - values[0]!) : Math.abs(axis.max - axis.min);
  return values.map((value) => ({ value, label: formatTick(value, axis.scale === 'log' ? value : step) }));
}
