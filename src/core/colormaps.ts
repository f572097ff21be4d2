/**
 * Colour maps for the per-pixel layers, and the rule that turns a layer value
 * into an RGBA8 colour. `shaders/colormap.wgsl` applies the same rule on the
 * GPU, from the tables that {@link prepareColormap} builds here, so the two
 * agree bit for bit. docs/colormaps.md describes the maps and the rule.
 *
 * Every continuous map is built here from a few control colours. The path
 * between them is straight in OKLab and is sampled at 256 points of equal
 * OKLab arc length (per half for the diverging map). So neighbouring entries
 * differ by about the same perceptual distance.
 */
import { invariant, ValidationError } from './errors.ts';
import { PHASE_CODES, type LayerName, LAYERS } from './layers.ts';
import type { Phase } from './analysis.ts';

/** An sRGB colour with alpha, each channel an integer byte 0 … 255. */
export type Rgba = readonly [number, number, number, number];

/** A colour in OKLab: lightness L (0 black … 1 white) and the opponent axes a (green–red) and b (blue–yellow). */
export type Oklab = readonly [number, number, number];

/** Number of entries in every lookup table. */
export const LUT_SIZE = 256;

/** Names of the colour maps. */
export const COLORMAP_NAMES = ['blueYellow', 'heat', 'grey', 'blueRed', 'phase', 'period'] as const;

/** Name of one colour map. */
export type ColormapName = (typeof COLORMAP_NAMES)[number];

/**
 * Rules that turn a value into a lookup-table entry:
 * - `continuous`: through the boundaries of `scale`, `min` and `max`;
 * - `phase`: the value is a phase code 0 … 5 (see PHASE_CODES);
 * - `period`: the value is a period, grouped into the categories of {@link PERIOD_CATEGORIES}.
 */
export const COLORIZE_MODES = ['continuous', 'phase', 'period'] as const;

/** Rule that turns a value into a lookup-table entry; see {@link COLORIZE_MODES}. */
export type ColorizeMode = (typeof COLORIZE_MODES)[number];

/**
 * Scale of the continuous mode:
 * - `linear`: equal steps between `min` and `max`;
 * - `log`: equal ratios between `min` and `max`, both > 0;
 * - `symmetric`: linear on [−M, M] with M = max(|min|, |max|), so zero sits at the centre of a diverging map.
 */
export const COLOR_SCALES = ['linear', 'log', 'symmetric'] as const;

/** Scale of the continuous mode; see {@link COLOR_SCALES}. */
export type ColorScale = (typeof COLOR_SCALES)[number];

/** Numeric code of each mode, as the WGSL kernel reads it from its parameters. */
export const COLORIZE_MODE_CODES: Record<ColorizeMode, number> = { continuous: 0, phase: 1, period: 2 };

/** Everything that decides how one layer is coloured. */
export interface ColorizeOptions {
  /** Colour map. Continuous mode needs a sequential or diverging map, `phase` the `phase` map, `period` the `period` map. */
  map: ColormapName;
  mode: ColorizeMode;
  /** Low end of the continuous range. Ignored by the `phase` and `period` modes. */
  min: number;
  /** High end of the continuous range. Ignored by the `phase` and `period` modes. */
  max: number;
  /** Scale of the continuous range. Ignored by the `phase` and `period` modes. */
  scale: ColorScale;
  /** Colour of NaN, and of values that are not a category in the `phase` and `period` modes. */
  nanColor: Rgba;
}

/** Description of one colour map. */
export interface ColormapInfo {
  name: ColormapName;
  label: string;
  kind: 'sequential' | 'diverging' | 'categorical';
  /** Mode that the map serves: `continuous` for sequential and diverging maps. */
  mode: ColorizeMode;
  /** True when the map stays readable with protanopia, deuteranopia and tritanopia (see docs/colormaps.md). */
  colorBlindSafe: boolean;
  description: string;
}

/** The colour maps, by name. */
export const COLORMAPS: Record<ColormapName, ColormapInfo> = {
  blueYellow: {
    name: 'blueYellow',
    label: 'blue–yellow',
    kind: 'sequential',
    mode: 'continuous',
    colorBlindSafe: true,
    description: 'dark blue through grey to light yellow, on the blue–yellow axis only, so red–green colour blindness changes it little',
  },
  heat: {
    name: 'heat',
    label: 'heat',
    kind: 'sequential',
    mode: 'continuous',
    colorBlindSafe: false,
    description: 'near black through purple, red and orange to light yellow; lightness alone still orders it for colour-blind readers',
  },
  grey: {
    name: 'grey',
    label: 'grey',
    kind: 'sequential',
    mode: 'continuous',
    colorBlindSafe: true,
    description: 'dark grey to near white, for print and for readers who see no colour',
  },
  blueRed: {
    name: 'blueRed',
    label: 'blue–red diverging',
    kind: 'diverging',
    mode: 'continuous',
    colorBlindSafe: true,
    description: 'blue for negative values, a light neutral centre at zero, red for positive values, with equal lightness at both ends',
  },
  phase: {
    name: 'phase',
    label: 'phase',
    kind: 'categorical',
    mode: 'phase',
    colorBlindSafe: true,
    description: 'one Okabe–Ito colour per phase code, light grey for invalid pixels',
  },
  period: {
    name: 'period',
    label: 'period',
    kind: 'categorical',
    mode: 'period',
    colorBlindSafe: true,
    description: 'periods 1, 2, 4, …, 64 from dark blue to light yellow, vermillion for odd periods, sky blue for other even periods, black for no period',
  },
};

// ---------------------------------------------------------------------------
// Colour science: sRGB and OKLab.

/**
 * OKLab matrices, from Björn Ottosson, "A perceptual color space for image
 * processing" (2020), https://bottosson.github.io/posts/oklab/. The first
 * maps linear sRGB to the cone-like (l, m, s) space, the second maps the cube
 * roots of (l, m, s) to (L, a, b). The inverses convert back.
 */
const LINEAR_SRGB_TO_LMS = [
  [0.4122214708, 0.5363325363, 0.0514459929],
  [0.2119034982, 0.6806995451, 0.1073969566],
  [0.0883024619, 0.2817188376, 0.6299787005],
] as const;
const LMS_ROOT_TO_OKLAB = [
  [0.2104542553, 0.793617785, -0.0040720468],
  [1.9779984951, -2.428592205, 0.4505937099],
  [0.0259040371, 0.7827717662, -0.808675766],
] as const;
const OKLAB_TO_LMS_ROOT = [
  [1, 0.3963377774, 0.2158037573],
  [1, -0.1055613458, -0.0638541728],
  [1, -0.0894841775, -1.291485548],
] as const;
const LMS_TO_LINEAR_SRGB = [
  [4.0767416621, -3.3077115913, 0.2309699292],
  [-1.2684380046, 2.6097574011, -0.3413193965],
  [-0.0041960863, -0.7034186147, 1.707614701],
] as const;

type Vector3 = readonly [number, number, number];
type Matrix3 = readonly [Vector3, Vector3, Vector3];

function multiply(matrix: Matrix3, [x, y, z]: Vector3): [number, number, number] {
  const [r0, r1, r2] = matrix;
  return [r0[0] * x + r0[1] * y + r0[2] * z, r1[0] * x + r1[1] * y + r1[2] * z, r2[0] * x + r2[1] * y + r2[2] * z];
}

/** Converts an sRGB channel in [0, 1] to linear light (IEC 61966-2-1 transfer function). */
export function srgbToLinear(channel: number): number {
  return channel <= 0.04045 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
}

/** Converts a linear-light channel in [0, 1] to sRGB (IEC 61966-2-1 transfer function). */
export function linearToSrgb(channel: number): number {
  return channel <= 0.0031308 ? 12.92 * channel : 1.055 * channel ** (1 / 2.4) - 0.055;
}

/** Converts linear sRGB (channels in [0, 1], or outside for out-of-gamut colours) to OKLab. */
export function linearSrgbToOklab(rgb: Vector3): Oklab {
  const lms = multiply(LINEAR_SRGB_TO_LMS, rgb);
  return multiply(LMS_ROOT_TO_OKLAB, [Math.cbrt(lms[0]), Math.cbrt(lms[1]), Math.cbrt(lms[2])]);
}

/** Converts OKLab to linear sRGB; channels outside [0, 1] mean the colour is outside the sRGB gamut. */
export function oklabToLinearSrgb(lab: Oklab): [number, number, number] {
  const root = multiply(OKLAB_TO_LMS_ROOT, lab);
  return multiply(LMS_TO_LINEAR_SRGB, [root[0] ** 3, root[1] ** 3, root[2] ** 3]);
}

/** Converts an sRGB colour given as bytes (alpha ignored) to OKLab. */
export function rgbaToOklab(color: ArrayLike<number>): Oklab {
  return linearSrgbToOklab([
    srgbToLinear((color[0] ?? 0) / 255),
    srgbToLinear((color[1] ?? 0) / 255),
    srgbToLinear((color[2] ?? 0) / 255),
  ]);
}

/** Euclidean distance in OKLab, the colour difference that OKLab is designed for. */
export function oklabDistance(first: Oklab, second: Oklab): number {
  return Math.hypot(first[0] - second[0], first[1] - second[1], first[2] - second[2]);
}

/** Converts lightness, chroma and hue in degrees (OKLCh) to OKLab. */
function oklch(lightness: number, chroma: number, hueDegrees: number): Oklab {
  const hue = (hueDegrees * Math.PI) / 180;
  return [lightness, chroma * Math.cos(hue), chroma * Math.sin(hue)];
}

// ---------------------------------------------------------------------------
// Construction of the continuous maps.

/** Largest excursion outside [0, 1] of a linear sRGB channel that counts as in gamut (then clipped). */
const GAMUT_TOLERANCE = 1e-4;

/**
 * Samples the polyline through `controls` (straight segments in OKLab) at
 * LUT_SIZE points of equal arc length, from the first control to the last.
 */
function sampleByArcLength(controls: readonly Oklab[]): Oklab[] {
  const lengths = controls.slice(1).map((point, i) => oklabDistance(controls[i]!, point));
  const total = lengths.reduce((sum, length) => sum + length, 0);
  const samples: Oklab[] = [];
  let segment = 0;
  let segmentStart = 0;
  for (let i = 0; i < LUT_SIZE; i++) {
    const target = (total * i) / (LUT_SIZE - 1);
    while (segment < lengths.length - 1 && target > segmentStart + lengths[segment]!) {
      segmentStart += lengths[segment]!;
      segment += 1;
    }
    const fraction = Math.min(1, Math.max(0, (target - segmentStart) / lengths[segment]!));
    samples.push(lerpOklab(controls[segment]!, controls[segment + 1]!, fraction));
  }
  return samples;
}

/** Rounds a linear sRGB colour to bytes after checking that it is inside the gamut. */
function toBytes(name: string, index: number, rgb: Vector3): [number, number, number, number] {
  for (const channel of rgb) {
    // Only a change of the control colours below can make this fail.
    invariant(
      channel >= -GAMUT_TOLERANCE && channel <= 1 + GAMUT_TOLERANCE,
      `colour map ${name}: entry ${index} is outside the sRGB gamut (linear RGB ${rgb.join(', ')}); move its control colours inside the gamut`,
    );
  }
  const byte = (channel: number): number => Math.round(255 * linearToSrgb(Math.min(1, Math.max(0, channel))));
  return [byte(rgb[0]), byte(rgb[1]), byte(rgb[2]), 255];
}

/** Builds an RGBA8 lookup table from OKLab control colours. */
function buildContinuousLut(name: string, controls: readonly Oklab[]): Uint8ClampedArray {
  const lut = new Uint8ClampedArray(4 * LUT_SIZE);
  sampleByArcLength(controls).forEach((lab, index) => {
    lut.set(toBytes(name, index, oklabToLinearSrgb(lab)), 4 * index);
  });
  return lut;
}

/**
 * Builds a diverging table from two straight OKLab segments that meet at
 * `centre`. Entry i lies at t = i/255 of the way from `low` to `high`, on the
 * low segment for t < 1/2 and on the high segment after, so entries i and
 * 255 − i sit at the same fraction of their segments and have the same
 * lightness when `low` and `high` do. With equal chroma at both ends the two
 * segments have equal length and the steps are equal in OKLab.
 */
function buildDivergingLut(name: string, low: Oklab, centre: Oklab, high: Oklab): Uint8ClampedArray {
  const lut = new Uint8ClampedArray(4 * LUT_SIZE);
  for (let i = 0; i < LUT_SIZE; i++) {
    const t = i / (LUT_SIZE - 1);
    const lab = t < 0.5 ? lerpOklab(low, centre, 2 * t) : lerpOklab(high, centre, 2 * (1 - t));
    lut.set(toBytes(name, i, oklabToLinearSrgb(lab)), 4 * i);
  }
  return lut;
}

function lerpOklab(from: Oklab, to: Oklab, t: number): Oklab {
  return [from[0] + t * (to[0] - from[0]), from[1] + t * (to[1] - from[1]), from[2] + t * (to[2] - from[2])];
}

// ---------------------------------------------------------------------------
// The maps.

/** Okabe–Ito colours, from M. Okabe and K. Ito, "Color Universal Design (CUD): how to make figures and presentations that are friendly to colorblind people" (2008), https://jfly.uni-koeln.de/color/. */
const OKABE_ITO = {
  black: [0, 0, 0, 255],
  orange: [230, 159, 0, 255],
  skyBlue: [86, 180, 233, 255],
  bluishGreen: [0, 158, 115, 255],
  yellow: [240, 228, 66, 255],
  blue: [0, 114, 178, 255],
  vermillion: [213, 94, 0, 255],
  reddishPurple: [204, 121, 167, 255],
} as const satisfies Record<string, Rgba>;

/** Neutral light grey (OKLab L ≈ 0.83), for pixels without a valid trajectory. It is not an Okabe–Ito colour. */
const LIGHT_GREY: Rgba = [200, 200, 200, 255];

/** Colour of each phase code. */
export const PHASE_COLORS: Record<Phase | 'invalid', Rgba> = {
  converged: OKABE_ITO.blue,
  periodic: OKABE_ITO.orange,
  // Reddish purple and yellow, not vermillion and sky blue: those sit too close to
  // orange (periodic) and blue (converged), the neighbouring phases on the map.
  chaotic: OKABE_ITO.reddishPurple,
  unresolved: OKABE_ITO.yellow,
  diverged: OKABE_ITO.black,
  invalid: LIGHT_GREY,
};

/** Legend label of each phase code. */
const PHASE_LABELS: Record<Phase | 'invalid', string> = {
  converged: 'converged',
  periodic: 'periodic',
  chaotic: 'chaotic',
  unresolved: 'unresolved',
  diverged: 'diverged',
  invalid: 'invalid pixel',
};

/** Control colours of the continuous maps, in OKLab. */
const BLUE_YELLOW_CONTROLS: readonly Oklab[] = [oklch(0.3, 0.1, 262), oklch(0.92, 0.15, 102)];
const HEAT_CONTROLS: readonly Oklab[] = [
  oklch(0.15, 0.05, 300),
  oklch(0.33, 0.13, 318),
  oklch(0.5, 0.17, 28),
  oklch(0.68, 0.16, 50),
  oklch(0.84, 0.12, 80),
  oklch(0.96, 0.08, 105),
];
const GREY_CONTROLS: readonly Oklab[] = [oklch(0.2, 0, 0), oklch(0.96, 0, 0)];
const BLUE_RED_ENDS = { low: oklch(0.45, 0.13, 258), centre: oklch(0.96, 0, 0), high: oklch(0.45, 0.13, 28) } as const;

/** Periods that get a colour of their own: the period-doubling cascade up to the longest detected period. */
const POWER_OF_TWO_PERIODS = [1, 2, 4, 8, 16, 32, 64] as const;

/** One category of a categorical map. */
export interface LegendEntry {
  label: string;
  color: Rgba;
}

/**
 * Categories of the `period` mode, in LUT order. Entry 0 is no period, 1 … 7
 * are the periods 1, 2, 4, …, 64, and 8 is any odd period ≥ 3. Entry 9 is any
 * other even period (6, 10, 12, …, and powers of two above 64).
 */
export const PERIOD_CATEGORIES: readonly string[] = [
  'no period (0)',
  ...POWER_OF_TWO_PERIODS.map((period) => `period ${period}`),
  'odd period ≥ 3',
  'other even period',
];

function buildPhaseEntries(): LegendEntry[] {
  const entries: LegendEntry[] = [];
  for (const [phase, code] of Object.entries(PHASE_CODES) as [Phase | 'invalid', number][]) {
    entries[code] = { label: PHASE_LABELS[phase], color: PHASE_COLORS[phase] };
  }
  return entries;
}

function buildPeriodEntries(blueYellow: Uint8ClampedArray): LegendEntry[] {
  // The cascade takes 7 evenly spaced entries of blueYellow, so longer
  // periods are lighter and the steps differ in lightness alone.
  const cascade = POWER_OF_TWO_PERIODS.map((_, k) => {
    const index = Math.round((k * (LUT_SIZE - 1)) / (POWER_OF_TWO_PERIODS.length - 1));
    return Array.from(blueYellow.subarray(4 * index, 4 * index + 4)) as unknown as Rgba;
  });
  const colors: Rgba[] = [OKABE_ITO.black, ...cascade, OKABE_ITO.vermillion, OKABE_ITO.skyBlue];
  return PERIOD_CATEGORIES.map((label, index) => ({ label, color: colors[index]! }));
}

function buildCategoricalLut(entries: readonly LegendEntry[]): Uint8ClampedArray {
  // Entries past the categories are never selected and stay transparent black.
  const lut = new Uint8ClampedArray(4 * LUT_SIZE);
  entries.forEach((entry, index) => lut.set(entry.color, 4 * index));
  return lut;
}

interface BuiltColormap {
  lut: Uint8ClampedArray;
  entries?: LegendEntry[];
}

let builtColormaps: Record<ColormapName, BuiltColormap> | undefined;

/** Builds every table on first use (a few milliseconds) and keeps them. */
function getBuiltColormaps(): Record<ColormapName, BuiltColormap> {
  if (builtColormaps === undefined) {
    const blueYellow = buildContinuousLut('blueYellow', BLUE_YELLOW_CONTROLS);
    const phaseEntries = buildPhaseEntries();
    const periodEntries = buildPeriodEntries(blueYellow);
    builtColormaps = {
      blueYellow: { lut: blueYellow },
      heat: { lut: buildContinuousLut('heat', HEAT_CONTROLS) },
      grey: { lut: buildContinuousLut('grey', GREY_CONTROLS) },
      blueRed: { lut: buildDivergingLut('blueRed', BLUE_RED_ENDS.low, BLUE_RED_ENDS.centre, BLUE_RED_ENDS.high) },
      phase: { lut: buildCategoricalLut(phaseEntries), entries: phaseEntries },
      period: { lut: buildCategoricalLut(periodEntries), entries: periodEntries },
    };
  }
  return builtColormaps;
}

/** Returns a copy of a map's lookup table: LUT_SIZE RGBA8 entries, 4 bytes each. */
export function getColormapLut(name: ColormapName): Uint8ClampedArray {
  return getBuiltColormaps()[name].lut.slice();
}

/** Legend content of one map. */
export type ColormapLegend =
  | { name: ColormapName; label: string; kind: 'categorical'; entries: LegendEntry[] }
  | { name: ColormapName; label: string; kind: 'sequential' | 'diverging'; lut: Uint8ClampedArray };

/** Describes a map for a legend: its categories and colours, or its whole lookup table. */
export function describeColormapLegend(name: ColormapName): ColormapLegend {
  const info = COLORMAPS[name];
  const built = getBuiltColormaps()[name];
  if (info.kind === 'categorical') {
    const entries = (built.entries ?? []).map((entry) => ({ label: entry.label, color: entry.color }));
    return { name, label: info.label, kind: 'categorical', entries };
  }
  return { name, label: info.label, kind: info.kind, lut: built.lut.slice() };
}

/** Suggested map and mode for a layer, from the kind of map its LayerInfo names. */
export function defaultColormapForLayer(layer: LayerName): { map: ColormapName; mode: ColorizeMode } {
  if (layer === 'phase') {
    return { map: 'phase', mode: 'phase' };
  }
  if (layer === 'period') {
    return { map: 'period', mode: 'period' };
  }
  return LAYERS[layer].colorMap === 'diverging' ? { map: 'blueRed', mode: 'continuous' } : { map: 'blueYellow', mode: 'continuous' };
}

// ---------------------------------------------------------------------------
// The value → colour rule.

/** Largest finite float32. */
const FLOAT32_MAX = 3.4028234663852886e38;
/** Smallest positive normal float32, 2^−126. */
const FLOAT32_MIN_NORMAL = 1.1754943508222875e-38;

/** Returned by the index functions for a value that gets the NaN colour. */
export const NAN_INDEX = -1;

/** Tables and codes that {@link colorizeLayer} and the WGSL kernel both read. */
export interface PreparedColormap {
  mode: ColorizeMode;
  /** {@link COLORIZE_MODE_CODES} of `mode`. */
  modeCode: number;
  /** LUT_SIZE colours packed by {@link packRgba}. */
  lut: Uint32Array;
  /**
   * Boundaries of the continuous mode: entry i (1 … 255) is the smallest value
   * that maps to LUT index i or above. Entry 0 is unused. All zero in the other modes.
   */
  boundaries: Float32Array;
  /** `nanColor` packed by {@link packRgba}. */
  nanColor: number;
}

/** Packs RGBA bytes into a u32 with red in the low byte, so its little-endian bytes are R, G, B, A. */
export function packRgba(color: ArrayLike<number>): number {
  return ((color[0] ?? 0) | ((color[1] ?? 0) << 8) | ((color[2] ?? 0) << 16) | ((color[3] ?? 0) << 24)) >>> 0;
}

/**
 * Checks `options` and builds the packed LUT, the boundaries and the packed
 * NaN colour.
 *
 * Boundaries: with lo, hi = min, max (linear and log) or −M, M (symmetric,
 * M = max(|min|, |max|)), boundary i (1 … 255) is, computed in float64 and
 * then rounded to the nearest float32,
 * - linear and symmetric: lo + (hi − lo)·i/256;
 * - log: exp(ln lo + (ln hi − ln lo)·i/256).
 * A boundary that rounds to a subnormal float32 is replaced by 0, matching the
 * flush of subnormal values (see {@link colormapIndexOfBits}).
 *
 * @throws ValidationError when the map does not serve the mode or nanColor is
 *   not four bytes. In the continuous mode also when min or max is not a
 *   finite float32 value, min ≥ max (linear, log), min < 2^−126 (log), or
 *   min = max = 0 (symmetric).
 */
export function prepareColormap(options: ColorizeOptions): PreparedColormap {
  validateOptions(options);
  const lut = new Uint32Array(LUT_SIZE);
  const bytes = getBuiltColormaps()[options.map].lut;
  for (let i = 0; i < LUT_SIZE; i++) {
    lut[i] = packRgba(bytes.subarray(4 * i, 4 * i + 4));
  }
  return {
    mode: options.mode,
    modeCode: COLORIZE_MODE_CODES[options.mode],
    lut,
    boundaries: options.mode === 'continuous' ? computeBoundaries(options.min, options.max, options.scale) : new Float32Array(LUT_SIZE),
    nanColor: packRgba(options.nanColor),
  };
}

function validateOptions(options: ColorizeOptions): void {
  if (!(COLORMAP_NAMES as readonly string[]).includes(options.map)) {
    throw new ValidationError('colorize.map', options.map, `one of ${COLORMAP_NAMES.join(', ')}`);
  }
  if (!(COLORIZE_MODES as readonly string[]).includes(options.mode)) {
    throw new ValidationError('colorize.mode', options.mode, `one of ${COLORIZE_MODES.join(', ')}`);
  }

  const info = COLORMAPS[options.map];
  if (info.mode !== options.mode) {
    const suitable = COLORMAP_NAMES.filter((name) => COLORMAPS[name].mode === options.mode);
    throw new ValidationError('colorize.map', options.map, `a map for mode ${options.mode}: ${suitable.join(', ')}`);
  }

  const color = options.nanColor;
  if (!Array.isArray(color) || color.length !== 4 || !color.every((channel) => Number.isInteger(channel) && channel >= 0 && channel <= 255)) {
    throw new ValidationError('colorize.nanColor', color, 'four integers 0 … 255 (red, green, blue, alpha)');
  }

  if (options.mode !== 'continuous') {
    return;
  }
  if (!(COLOR_SCALES as readonly string[]).includes(options.scale)) {
    throw new ValidationError('colorize.scale', options.scale, `one of ${COLOR_SCALES.join(', ')}`);
  }
  for (const field of ['min', 'max'] as const) {
    const value = options[field];
    if (!Number.isFinite(value) || Math.abs(value) > FLOAT32_MAX) {
      throw new ValidationError(`colorize.${field}`, value, `a finite number of magnitude at most ${FLOAT32_MAX} (the float32 range)`);
    }
  }

  if (options.scale === 'symmetric') {
    if (options.min === 0 && options.max === 0) {
      throw new ValidationError('colorize.max', options.max, 'min or max different from 0 for the symmetric scale');
    }
    return;
  }
  if (!(options.min < options.max)) {
    throw new ValidationError('colorize.max', options.max, `a value greater than min = ${options.min}`);
  }
  if (options.scale === 'log' && !(options.min >= FLOAT32_MIN_NORMAL)) {
    throw new ValidationError('colorize.min', options.min, `a value of at least ${FLOAT32_MIN_NORMAL} (the smallest normal float32) for the log scale`);
  }
}

function computeBoundaries(min: number, max: number, scale: ColorScale): Float32Array {
  const boundaries = new Float32Array(LUT_SIZE);
  const limit = Math.max(Math.abs(min), Math.abs(max));
  const low = scale === 'symmetric' ? -limit : min;
  const high = scale === 'symmetric' ? limit : max;
  for (let i = 1; i < LUT_SIZE; i++) {
    const fraction = i / LUT_SIZE;
    const boundary = scale === 'log' ? Math.exp(Math.log(low) + (Math.log(high) - Math.log(low)) * fraction) : low + (high - low) * fraction;
    const rounded = Math.fround(boundary);
    boundaries[i] = Math.abs(rounded) < FLOAT32_MIN_NORMAL ? 0 : rounded;
  }
  boundaries[0] = 0;
  return boundaries;
}

// Scratch views for reading a float32 from its bit pattern.
const scratchBits = new Uint32Array(1);
const scratchFloat = new Float32Array(scratchBits.buffer);

/**
 * Returns the LUT index for the float32 with bit pattern `bits`, or
 * {@link NAN_INDEX} when the value gets the NaN colour.
 *
 * The rule, the same in shaders/colormap.wgsl:
 * 1. NaN (exponent bits all 1, mantissa not 0) → NaN colour.
 * 2. +Infinity → index 255 and −Infinity → index 0 in the continuous mode,
 *    and the NaN colour in the `phase` and `period` modes.
 * 3. A subnormal value (exponent bits all 0) counts as 0, because GPUs may
 *    flush subnormals to zero in comparisons.
 * 4. Continuous: the number of boundaries b₁ … b₂₅₅ with b_i ≤ value, found by
 *    binary search with float32 comparisons (exact on CPU and GPU). Values
 *    below b₁, including 0 and negative values on the log scale, get index 0.
 *    Values at or above b₂₅₅ get 255.
 * 5. Phase: the code itself when it is an integer 0 … 5, else the NaN colour.
 * 6. Period: see {@link periodCategory}.
 */
export function colormapIndexOfBits(bits: number, prepared: PreparedColormap): number {
  const exponent = (bits & 0x7f800000) >>> 0;
  if (exponent === 0x7f800000) {
    if ((bits & 0x007fffff) !== 0) {
      return NAN_INDEX;
    }
    if (prepared.mode !== 'continuous') {
      return NAN_INDEX;
    }
    return bits >>> 31 === 1 ? 0 : LUT_SIZE - 1;
  }
  scratchBits[0] = bits;
  const value = exponent === 0 ? 0 : scratchFloat[0]!;
  switch (prepared.mode) {
    case 'continuous':
      return continuousIndex(value, prepared.boundaries);
    case 'phase':
      return phaseCategory(value);
    case 'period':
      return periodCategory(value);
  }
}

function continuousIndex(value: number, boundaries: Float32Array): number {
  let index = 0;
  for (let step = LUT_SIZE / 2; step >= 1; step /= 2) {
    if (value >= boundaries[index + step]!) {
      index += step;
    }
  }
  return index;
}

/** Number of phase codes, 0 … INVALID_PIXEL. */
const PHASE_CODE_COUNT = Object.keys(PHASE_CODES).length;

/** Returns the LUT index of a phase code: the code when it is an integer 0 … 5, else {@link NAN_INDEX}. */
export function phaseCategory(code: number): number {
  return Math.floor(code) === code && code >= 0 && code < PHASE_CODE_COUNT ? code : NAN_INDEX;
}

/**
 * Returns the index in {@link PERIOD_CATEGORIES} of a period: 0 for 0, 1 … 7
 * for 1, 2, 4, …, 64, 8 for other odd periods, 9 for other even periods, and
 * {@link NAN_INDEX} for values that are not finite non-negative integers. Parity is
 * read in float arithmetic (⌊p/2⌋ = p/2), so every float32 integer is classified,
 * even beyond 2^24 where all of them are even.
 */
export function periodCategory(period: number): number {
  if (!(Number.isFinite(period) && Math.floor(period) === period && period >= 0)) {
    return NAN_INDEX;
  }
  if (period === 0) {
    return 0;
  }
  const power = (POWER_OF_TWO_PERIODS as readonly number[]).indexOf(period);
  if (power >= 0) {
    return 1 + power;
  }
  const half = period * 0.5;
  return Math.floor(half) === half ? 1 + POWER_OF_TWO_PERIODS.length + 1 : 1 + POWER_OF_TWO_PERIODS.length;
}

/**
 * Colours one layer on the CPU with the rule of {@link colormapIndexOfBits}:
 * the reference that the WGSL kernel must match byte for byte.
 *
 * @param values one float32 per pixel.
 * @returns RGBA bytes, 4 per pixel, ready for ImageData.
 */
export function colorizeLayer(values: Float32Array, options: ColorizeOptions): Uint8ClampedArray {
  const prepared = prepareColormap(options);
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const pixels = new Uint8ClampedArray(4 * values.length);
  for (let i = 0; i < values.length; i++) {
    const index = colormapIndexOfBits(bits[i]!, prepared);
    const color = index === NAN_INDEX ? prepared.nanColor : prepared.lut[index]!;
    pixels[4 * i] = color & 0xff;
    pixels[4 * i + 1] = (color >>> 8) & 0xff;
    pixels[4 * i + 2] = (color >>> 16) & 0xff;
    pixels[4 * i + 3] = color >>> 24;
  }
  return pixels;
}
