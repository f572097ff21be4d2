/**
 * Tone mapping of a bifurcation diagram's counts to RGBA pixels. A cell with
 * count n of the image's maximum N gets the level
 *   log:   ln(1 + n)/ln(1 + N),
 *   gamma: (n/N)^γ,
 * and the colour map's entry at that level; empty cells get the map's first
 * entry, which no non-empty cell shares.
 */
import type { DiagramDensity } from './bifurcation-diagram.ts';
import { NAN_COLOR } from './colorize-options.ts';
import { COLORMAPS, getColormapLut, LUT_SIZE, type ColormapName } from './colormaps.ts';
import { ValidationError } from './errors.ts';

/** Tone mappings, from count to level in [0, 1]. */
export const TONE_MAPPINGS = ['log', 'gamma'] as const;

/** One of {@link TONE_MAPPINGS}. */
export type ToneMapping = (typeof TONE_MAPPINGS)[number];

/** Options of the mapping from counts to colours. */
export interface ToneOptions {
  mapping: ToneMapping;
  /** Exponent γ of the gamma mapping, > 0; below 1 it brightens rare values. */
  gamma: number;
  /** A sequential colour map. */
  map: ColormapName;
  /** Reverses the map, so that empty cells take its last (lightest) entry: dark ink on a light page. */
  invert: boolean;
}

/** Defaults: log tone mapping on the heat map, light values on a dark background. */
export const DEFAULT_TONE_OPTIONS: Readonly<ToneOptions> = Object.freeze<ToneOptions>({ mapping: 'log', gamma: 0.5, map: 'heat', invert: false });

/** Validates tone options. Throws a {@link ValidationError} naming the first invalid field. */
export function validateToneOptions(options: ToneOptions): ToneOptions {
  if (!TONE_MAPPINGS.includes(options.mapping)) {
    throw new ValidationError('tone.mapping', options.mapping, `one of ${TONE_MAPPINGS.join(', ')}`);
  }
  if (!(options.gamma > 0) || !Number.isFinite(options.gamma)) {
    throw new ValidationError('tone.gamma', options.gamma, 'a finite number > 0');
  }
  if (COLORMAPS[options.map]?.kind !== 'sequential') {
    const names = Object.values(COLORMAPS)
      .filter((info) => info.kind === 'sequential')
      .map((info) => info.name);
    throw new ValidationError('tone.map', options.map, `a sequential colour map: one of ${names.join(', ')}`);
  }
  return options;
}

/** Returns the level of count `count` in an image whose largest count is `maxCount` (0 for an empty cell). */
export function toneLevel(count: number, maxCount: number, options: Pick<ToneOptions, 'mapping' | 'gamma'>): number {
  if (count <= 0 || maxCount <= 0) {
    return 0;
  }
  if (options.mapping === 'log') {
    return Math.log1p(count) / Math.log1p(maxCount);
  }
  return (count / maxCount) ** options.gamma;
}

/**
 * Returns the LUT index of a level: 0 for an empty cell, else 1 … LUT_SIZE − 1, so the
 * rarest visited cell never takes the empty cells' colour.
 */
export function toneIndex(level: number, visited: boolean): number {
  if (!visited) {
    return 0;
  }
  return 1 + Math.min(LUT_SIZE - 2, Math.floor(level * (LUT_SIZE - 1)));
}

/** Returns the largest count of an image. */
export function maxCount(counts: Uint32Array): number {
  let max = 0;
  for (const count of counts) {
    if (count > max) {
      max = count;
    }
  }
  return max;
}

/**
 * Returns, per column, whether none of its `samples` trajectories reached the end: every
 * one diverged or had invalid parameters. Such a column has no orbit to show, so
 * {@link toneMapDensity} paints its empty cells in the no-value colour, apart from
 * columns whose orbits simply fall outside the range.
 */
export function lostColumns(density: Pick<DiagramDensity, 'diverged' | 'invalid'>, samples: number): Uint8Array {
  const lost = new Uint8Array(density.diverged.length);
  for (let column = 0; column < lost.length; column++) {
    lost[column] = density.diverged[column]! + density.invalid[column]! >= samples ? 1 : 0;
  }
  return lost;
}

/**
 * Colours counts into RGBA8 pixels, row-major like the counts. With `lost` (one flag per
 * column, see {@link lostColumns}) the empty cells of flagged columns take NAN_COLOR, the
 * colour of missing values on the phase map.
 */
export function toneMapDensity(counts: Uint32Array, options: ToneOptions, lost?: Uint8Array): Uint8ClampedArray {
  validateToneOptions(options);
  const lut = getColormapLut(options.map);
  const max = maxCount(counts);
  const pixels = new Uint8ClampedArray(counts.length * 4);
  const columns = lost?.length ?? 0;
  for (let cell = 0; cell < counts.length; cell++) {
    const count = counts[cell]!;
    if (count === 0 && lost !== undefined && lost[cell % columns] === 1) {
      pixels.set(NAN_COLOR, cell * 4);
      continue;
    }
    let index = toneIndex(toneLevel(count, max, options), count > 0);
    if (options.invert) {
      index = LUT_SIZE - 1 - index;
    }
    pixels[cell * 4] = lut[index * 4]!;
    pixels[cell * 4 + 1] = lut[index * 4 + 1]!;
    pixels[cell * 4 + 2] = lut[index * 4 + 2]!;
    pixels[cell * 4 + 3] = 255;
  }
  return pixels;
}
