/**
 * Axis ticks and their labels for the canvas plots: linear ticks at 1, 2 or 5 × 10^k
 * steps, logarithmic ticks at decades (with 2 and 5 subdivisions on short ranges),
 * and compact labels, and the layout that fits labels into the room of an axis (fewer
 * ticks where labels would collide, offsets on narrow ranges). DOM-free, so the phase
 * map, the bifurcation diagram, the PNG export and the trajectory inspector share it.
 */
import { axisFraction, type RangeAxis } from './view-geometry.ts';

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

/** A tick of an axis: its value and the text printed next to it. */
export interface Tick {
  value: number;
  label: string;
}

/**
 * The ticks of an axis with their labels. With an offset, a label shows
 * (value − offset) / 10^exponent, and {@link offsetAxisTitle} puts the offset and the
 * power of ten into the axis title once.
 */
export interface AxisTickLayout {
  ticks: Tick[];
  /** Value subtracted from each tick before labelling; undefined when the labels show the values. */
  offset: number | undefined;
  /** The offset as the title prints it ("1.3022834626824"), or '' without an offset. */
  offsetLabel: string;
  /** Exponent of the power of ten that divides the differences from the offset (0 without an offset). */
  exponent: number;
}

/** Room for the labels of one axis, in CSS or image pixels. */
export interface AxisSpace {
  /** Largest number of ticks to draw; fewer are drawn when their labels would collide. */
  maxCount: number;
  /** Length of the axis. */
  length: number;
  /** Font size of the labels. */
  fontSize: number;
  /** 'horizontal': labels side by side under the axis; 'vertical': labels stacked beside it. */
  direction: 'horizontal' | 'vertical';
  /** Widest label that fits beside a vertical axis (default: no limit). */
  maxLabelWidth?: number;
}

/**
 * Ranges whose values share at least this many leading digits get offset labels. It
 * keeps "1.29 … 1.31" as it is and turns "1.9999 … 2.0001" into offsets from 2.
 */
const OFFSET_SHARED_DIGITS = 4;

/** Minimum gap between two neighbouring labels, in ems. */
const LABEL_GAP_EM = 0.4;

/**
 * Estimates the width of a label in pixels from its characters: 0.64 em for digits and
 * letters, less for '.', ',', '-' and spaces. These are the DejaVu Sans widths (the
 * sans-serif font of Debian's Chromium) rounded up, so for tick labels (digits, '.', '-'
 * and 'e') the estimate is an upper bound in DejaVu Sans and in the narrower Arial.
 */
export function estimateTextWidth(text: string, fontSize: number): number {
  let ems = 0;
  for (const character of text) {
    if (character === '.' || character === ',' || character === ' ') {
      ems += 0.32;
    } else if (character === '-') {
      ems += 0.37;
    } else {
      ems += 0.64;
    }
  }
  return ems * fontSize;
}

/**
 * Chooses the ticks and labels of an axis for the room it has. Tries `maxCount` ticks
 * first, then fewer, until no two labels overlap and every label of a vertical axis is
 * at most `maxLabelWidth` wide. When even one tick does not fit, returns one tick.
 *
 * Labels are as {@link formatTick} writes them, unless the range is narrow next to its
 * values (they share {@link OFFSET_SHARED_DIGITS} or more leading digits). Then each
 * label is (value − offset) / 10^exponent. The offset is the value in the range with the
 * fewest digits. The exponent puts the largest difference in [1, 10), unless the
 * differences are whole numbers below 10⁴, which keep exponent 0. A deep zoom at 1.3
 * reads "-2", "-1", "0", "1" under the title "(η/η_c − 1.3022834626824) / 10⁻¹⁴". This is
 * the offset and multiplier that plotting libraries show at the end of an axis, written
 * into the title so that a number on the axis is the value of the title's expression.
 *
 * Log axes keep their decade labels. A log range too narrow for 1, 2 and 5 × 10^k ticks
 * gets linear ticks, labelled as on a linear axis.
 */
export function layoutAxisTicks(axis: RangeAxis, space: AxisSpace): AxisTickLayout {
  const maxCount = Math.max(1, clampCount(space.maxCount));
  let layout: AxisTickLayout = { ticks: [], offset: undefined, offsetLabel: '', exponent: 0 };
  for (let count = maxCount; count >= 1; count--) {
    layout = labelTicks(axis, tickValues(axis, count));
    if (labelsFit(axis, layout.ticks, space)) {
      return layout;
    }
  }
  return layout;
}

/**
 * Returns `title` with the offset and power of ten of `layout`: "(σ_w − 0.5) / 10⁻⁹",
 * "x − 12345678" when the exponent is 0, and `title` itself without an offset.
 */
export function offsetAxisTitle(title: string, layout: AxisTickLayout): string {
  if (layout.offset === undefined) {
    return title;
  }
  const difference = `${title} ${layout.offset < 0 ? '+' : '−'} ${layout.offsetLabel}`;
  return layout.exponent === 0 ? difference : `(${difference}) / 10${superscript(layout.exponent)}`;
}

/** Tick values of an axis: decades on a log axis, nice linear steps otherwise. */
function tickValues(axis: RangeAxis, count: number): { values: number[]; log: boolean } {
  if (axis.scale === 'log') {
    const values = logTicks(axis.min, axis.max, count);
    // On ranges within a factor of about 2.5, logTicks gives a single tick or falls back to
    // linear steps. Those ranges get linear ticks with linear labels here.
    const decadeTicks = values.length >= 2 && values.every(isLogTickValue);
    if (decadeTicks || values.length === 0) {
      return { values, log: true };
    }
  }
  return { values: niceLinearTicks(axis.min, axis.max, count), log: false };
}

/** Returns whether `value` is the double nearest to 1, 2 or 5 × 10^k, as {@link logTicks} computes them. */
function isLogTickValue(value: number): boolean {
  const exponent = Math.floor(Math.log10(value));
  for (let k = exponent - 1; k <= exponent + 1; k++) {
    if (NICE_MANTISSAS.some((mantissa) => Number(`${mantissa}e${k}`) === value)) {
      return true;
    }
  }
  return false;
}

function labelTicks(axis: RangeAxis, { values, log }: { values: number[]; log: boolean }): AxisTickLayout {
  if (log) {
    return { ticks: values.map((value) => ({ value, label: formatTick(value, value) })), offset: undefined, offsetLabel: '', exponent: 0 };
  }
  const span = Math.abs(axis.max - axis.min);
  const step = values.length > 1 ? values[1]! - values[0]! : span;
  const offset = offsetFor(axis.min, axis.max);
  if (offset === undefined || !(step > 0)) {
    return { ticks: values.map((value) => ({ value, label: formatTick(value, step) })), offset: undefined, offsetLabel: '', exponent: 0 };
  }
  // The values share 4 or more leading digits with the offset, so they lie within a factor
  // of 2 of it and the differences are exact (Sterbenz lemma). The ticks and the offset
  // carry up to half an ulp of rounding each, which rounding the differences to the step's
  // leading decimal removes: at 1.3 and a step of 5e-15 that turns -1.9984e-14 into -2e-14.
  const unitExponent = Math.floor(Math.log10(step) + 1e-9);
  const units = values.map((value) => Math.round(scaleByPowerOfTen(value - offset.value, unitExponent)));
  const largest = Math.max(...units.map(Math.abs));
  // Differences that are whole numbers below 10⁴ read best as they are ("-20", "0", "20").
  // Others are scaled so that the largest has one digit before the point.
  let exponent = 0;
  if (largest > 0) {
    exponent = unitExponent + Math.floor(Math.log10(largest) + 1e-9);
    if (unitExponent >= 0 && exponent < 4) {
      exponent = 0;
    }
  }
  const scaledStep = scaleByPowerOfTen(step, exponent);
  const ticks = values.map((value, i) => ({ value, label: formatTick(scaleByPowerOfTen(units[i]!, exponent - unitExponent), scaledStep) }));
  return { ticks, offset: offset.value, offsetLabel: formatTick(Math.abs(offset.value), decimal(1, offset.exponent)), exponent };
}

/**
 * Returns the offset for labels on [min, max], or undefined when the values share fewer
 * than {@link OFFSET_SHARED_DIGITS} leading digits. The offset is a multiple of the
 * largest power of ten 10^exponent that has a multiple in the range (the one nearest the
 * range's centre), so no value in the range has fewer digits.
 */
function offsetFor(min: number, max: number): { value: number; exponent: number } | undefined {
  const range = orderedRange(min, max);
  if (range === undefined || isDegenerate(range[0], range[1])) {
    return undefined;
  }
  const [low, high] = range;
  const magnitudeExponent = Math.floor(Math.log10(Math.max(Math.abs(low), Math.abs(high))));
  const spanExponent = Math.floor(Math.log10(high - low));
  if (magnitudeExponent - spanExponent < OFFSET_SHARED_DIGITS) {
    return undefined;
  }
  const centre = low / 2 + high / 2;
  // A range of span s contains a multiple of 10^floor(log10 s), so the loop ends by spanExponent.
  for (let exponent = magnitudeExponent; exponent >= spanExponent; exponent--) {
    const size = decimal(1, exponent);
    const nearest = Math.round(centre / size);
    for (const index of [nearest, nearest - 1, nearest + 1]) {
      const value = decimal(index, exponent);
      if (value >= low && value <= high) {
        return { value, exponent };
      }
    }
  }
  return undefined;
}

/** Returns value / 10^exponent, rounded once where 10^|exponent| is exact. */
function scaleByPowerOfTen(value: number, exponent: number): number {
  if (Math.abs(exponent) > 22) {
    return value / Number(`1e${exponent}`);
  }
  return exponent >= 0 ? value / 10 ** exponent : value * 10 ** -exponent;
}

const SUPERSCRIPT_DIGITS = '⁰¹²³⁴⁵⁶⁷⁸⁹';

/** Writes an integer in superscript digits: -14 → "⁻¹⁴". */
function superscript(integer: number): string {
  const digits = [...String(Math.abs(integer))].map((digit) => SUPERSCRIPT_DIGITS[Number(digit)]).join('');
  return integer < 0 ? `⁻${digits}` : digits;
}

/** Returns whether labels drawn at their ticks neither overlap nor exceed `space.maxLabelWidth`. */
function labelsFit(axis: RangeAxis, ticks: Tick[], space: AxisSpace): boolean {
  const gap = LABEL_GAP_EM * space.fontSize;
  const widths = ticks.map((tick) => estimateTextWidth(tick.label, space.fontSize));
  const positions = ticks.map((tick) => axisFraction(axis, tick.value) * space.length);
  if (space.direction === 'vertical' && widths.some((width) => width > (space.maxLabelWidth ?? Infinity))) {
    return false;
  }
  for (let i = 1; i < ticks.length; i++) {
    const distance = Math.abs(positions[i]! - positions[i - 1]!);
    // Stacked labels need their line height (about 1 em). Labels side by side need half of each width.
    const needed = space.direction === 'vertical' ? space.fontSize + gap : (widths[i]! + widths[i - 1]!) / 2 + gap;
    if (!(distance >= needed)) {
      return false;
    }
  }
  return true;
}
