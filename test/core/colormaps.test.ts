import { describe, expect, it } from 'vitest';
import {
  COLORMAP_NAMES,
  COLORMAPS,
  LUT_SIZE,
  NAN_INDEX,
  PERIOD_CATEGORIES,
  PHASE_COLORS,
  colorizeLayer,
  colormapIndexOfBits,
  defaultColormapForLayer,
  describeColormapLegend,
  getColormapLut,
  linearSrgbToOklab,
  oklabDistance,
  oklabToLinearSrgb,
  periodCategory,
  prepareColormap,
  rgbaToOklab,
  srgbToLinear,
  type ColorizeOptions,
  type ColormapName,
  type Oklab,
  type Rgba,
} from '../../src/core/colormaps.ts';
import { ValidationError } from '../../src/core/errors.ts';
import { LAYER_NAMES, PHASE_CODES } from '../../src/core/layers.ts';
import { Random } from '../../src/core/random.ts';

type Matrix = readonly (readonly [number, number, number])[];

/**
 * Colour vision deficiency simulation matrices at severity 1.0, applied to
 * linear sRGB: G. M. Machado, M. M. Oliveira and L. A. F. Fernandes, "A
 * physiologically-based model for simulation of color vision deficiency",
 * IEEE TVCG 15(6), 2009, supplementary material
 * (https://www.inf.ufrgs.br/~oliveira/pubs_files/CVD_Simulation/CVD_Simulation.html).
 */
const DICHROMACY: Record<'protanopia' | 'deuteranopia' | 'tritanopia', Matrix> = {
  protanopia: [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
  ],
  deuteranopia: [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.01182, 0.04294, 0.968881],
  ],
  tritanopia: [
    [1.255528, -0.076749, -0.178779],
    [-0.078411, 0.930809, 0.147602],
    [0.004733, 0.691367, 0.3039],
  ],
};
const NORMAL_VISION: Matrix = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];
const VISIONS: [string, Matrix][] = [['normal vision', NORMAL_VISION], ...Object.entries(DICHROMACY)];

/** OKLab of an sRGB byte colour as seen with the vision that `matrix` simulates. */
function seenAs(color: ArrayLike<number>, matrix: Matrix): Oklab {
  const linear = [0, 1, 2].map((channel) => srgbToLinear(color[channel]! / 255));
  const simulated = matrix.map((row) => Math.min(1, Math.max(0, row[0] * linear[0]! + row[1] * linear[1]! + row[2] * linear[2]!)));
  return linearSrgbToOklab(simulated as [number, number, number]);
}

function entry(lut: Uint8ClampedArray, index: number): Uint8ClampedArray {
  return lut.subarray(4 * index, 4 * index + 4);
}

const SEQUENTIAL = COLORMAP_NAMES.filter((name) => COLORMAPS[name].kind === 'sequential');
const NAN_COLOR: Rgba = [1, 2, 3, 4];

function continuous(map: ColormapName, min: number, max: number, scale: ColorizeOptions['scale']): ColorizeOptions {
  return { map, mode: 'continuous', min, max, scale, nanColor: NAN_COLOR };
}

/** LUT index that colorizeLayer gives one value, or NAN_INDEX. */
function indexOf(value: number, options: ColorizeOptions): number {
  const prepared = prepareColormap(options);
  const bits = new Uint32Array(new Float32Array([value]).buffer)[0]!;
  return colormapIndexOfBits(bits, prepared);
}

/** Largest float32 below `value` (a finite non-zero float32). */
function nextFloat32Down(value: number): number {
  const floats = new Float32Array([value]);
  const bits = new Uint32Array(floats.buffer);
  // The bit pattern orders magnitudes, so a step down is one more for negative values.
  bits[0] = value > 0 ? bits[0]! - 1 : bits[0]! + 1;
  return floats[0]!;
}

describe('OKLab conversion', () => {
  it('white and grey have no chroma', () => {
    const white = linearSrgbToOklab([1, 1, 1]);
    expect(white[0]).toBeCloseTo(1, 6);
    expect(white[1]).toBeCloseTo(0, 6);
    expect(white[2]).toBeCloseTo(0, 6);
    const grey = linearSrgbToOklab([0.2, 0.2, 0.2]);
    expect(Math.hypot(grey[1], grey[2])).toBeLessThan(1e-6);
  });

  it('round-trips linear sRGB', () => {
    const random = new Random(3);
    for (let i = 0; i < 200; i++) {
      const rgb: [number, number, number] = [random.uniform(), random.uniform(), random.uniform()];
      const back = oklabToLinearSrgb(linearSrgbToOklab(rgb));
      for (let channel = 0; channel < 3; channel++) {
        expect(back[channel]).toBeCloseTo(rgb[channel]!, 5);
      }
    }
  });
});

describe('sequential maps', () => {
  for (const name of SEQUENTIAL) {
    it(`${name}: lightness rises, also under colour blindness`, () => {
      const lut = getColormapLut(name);
      expect(lut.length).toBe(4 * LUT_SIZE);
      for (const [vision, matrix] of VISIONS) {
        const lightness = Array.from({ length: LUT_SIZE }, (_, i) => seenAs(entry(lut, i), matrix)[0]);
        for (let i = 8; i < LUT_SIZE; i++) {
          // Over 8 entries the rise exceeds the rounding to bytes, which can
          // leave two neighbours equal.
          expect(lightness[i]! - lightness[i - 8]!, `${vision}, entries ${i - 8} … ${i}`).toBeGreaterThan(0.01);
        }
        if (matrix === NORMAL_VISION) {
          for (let i = 1; i < LUT_SIZE; i++) {
            expect(lightness[i]!, `entry ${i}`).toBeGreaterThanOrEqual(lightness[i - 1]!);
          }
          expect(lightness[LUT_SIZE - 1]! - lightness[0]!).toBeGreaterThan(0.6);
        }
      }
    });

    it(`${name}: equal perceptual steps`, () => {
      const lut = getColormapLut(name);
      const steps: number[] = [];
      for (let i = 16; i < LUT_SIZE; i += 16) {
        steps.push(oklabDistance(rgbaToOklab(entry(lut, i)), rgbaToOklab(entry(lut, i - 16))));
      }
      const mean = steps.reduce((sum, step) => sum + step, 0) / steps.length;
      for (const [k, step] of steps.entries()) {
        expect(Math.abs(step / mean - 1), `step ${k}`).toBeLessThan(0.15);
      }
    });

    it(`${name}: opaque entries`, () => {
      const lut = getColormapLut(name);
      for (let i = 0; i < LUT_SIZE; i++) {
        expect(lut[4 * i + 3]).toBe(255);
      }
    });
  }

  it('blueYellow: no red–green contrast', () => {
    const lut = getColormapLut('blueYellow');
    const labs = Array.from({ length: LUT_SIZE }, (_, i) => rgbaToOklab(entry(lut, i)));
    const aValues = labs.map((lab) => lab[1]);
    const bValues = labs.map((lab) => lab[2]);
    // The map moves along b (blue–yellow) and keeps a (green–red) nearly constant.
    expect(Math.max(...aValues) - Math.min(...aValues)).toBeLessThan(0.03);
    expect(Math.max(...bValues) - Math.min(...bValues)).toBeGreaterThan(0.2);
    for (const name of ['protanopia', 'deuteranopia'] as const) {
      for (let i = 0; i < LUT_SIZE; i++) {
        const change = oklabDistance(labs[i]!, seenAs(entry(lut, i), DICHROMACY[name]));
        expect(change, `${name}, entry ${i}`).toBeLessThan(0.03);
      }
    }
  });
});

describe('diverging map blueRed', () => {
  const lut = getColormapLut('blueRed');
  const labs = Array.from({ length: LUT_SIZE }, (_, i) => rgbaToOklab(entry(lut, i)));

  it('has mirrored lightness', () => {
    for (let i = 0; i < LUT_SIZE / 2; i++) {
      expect(Math.abs(labs[i]![0] - labs[LUT_SIZE - 1 - i]![0]), `entries ${i} and ${LUT_SIZE - 1 - i}`).toBeLessThan(0.005);
    }
  });

  it('rises in lightness to a light neutral centre', () => {
    for (let i = 1; i < LUT_SIZE / 2; i++) {
      expect(labs[i]![0], `entry ${i}`).toBeGreaterThanOrEqual(labs[i - 1]![0]);
    }
    for (const centre of [LUT_SIZE / 2 - 1, LUT_SIZE / 2]) {
      expect(labs[centre]![0]).toBeGreaterThan(0.9);
      expect(Math.hypot(labs[centre]![1], labs[centre]![2])).toBeLessThan(0.01);
    }
    for (const end of [0, LUT_SIZE - 1]) {
      expect(Math.hypot(labs[end]![1], labs[end]![2])).toBeGreaterThan(0.1);
      expect(labs[end]![0]).toBeLessThan(0.5);
    }
  });

  it('tells the signs apart under colour blindness', () => {
    for (const [vision, matrix] of VISIONS) {
      for (let i = 0; i < 96; i++) {
        const distance = oklabDistance(seenAs(entry(lut, i), matrix), seenAs(entry(lut, LUT_SIZE - 1 - i), matrix));
        expect(distance, `${vision}, entries ${i} and ${LUT_SIZE - 1 - i}`).toBeGreaterThan(0.04);
      }
    }
  });
});

describe('categorical maps', () => {
  for (const name of ['phase', 'period'] as const) {
    it(`${name}: colours are distinct under colour blindness`, () => {
      const legend = describeColormapLegend(name);
      if (legend.kind !== 'categorical') {
        throw new Error(`expected a categorical legend for ${name}`);
      }
      const colors = legend.entries.map((item) => item.color);
      for (const [vision, matrix] of VISIONS) {
        for (let i = 0; i < colors.length; i++) {
          for (let j = i + 1; j < colors.length; j++) {
            const distance = oklabDistance(seenAs(colors[i]!, matrix), seenAs(colors[j]!, matrix));
            // OKLab distance; for scale, lightness L spans 0 (black) to 1 (white).
            expect(distance, `${vision}: ${legend.entries[i]!.label} vs ${legend.entries[j]!.label}`).toBeGreaterThan(0.08);
          }
        }
      }
    });
  }

  it('phase legend follows PHASE_CODES', () => {
    const legend = describeColormapLegend('phase');
    if (legend.kind !== 'categorical') {
      throw new Error('expected a categorical legend');
    }
    expect(legend.entries.length).toBe(Object.keys(PHASE_CODES).length);
    for (const [phase, code] of Object.entries(PHASE_CODES) as [keyof typeof PHASE_COLORS, number][]) {
      expect(legend.entries[code]!.color).toEqual(PHASE_COLORS[phase]);
    }
    expect(legend.entries[PHASE_CODES.invalid]!.label).toBe('invalid pixel');
  });

  it('period legend lists every category', () => {
    const legend = describeColormapLegend('period');
    if (legend.kind !== 'categorical') {
      throw new Error('expected a categorical legend');
    }
    expect(legend.entries.map((item) => item.label)).toEqual(PERIOD_CATEGORIES);
    expect(legend.entries.length).toBe(10);
  });

  it('continuous legend carries the LUT', () => {
    const legend = describeColormapLegend('heat');
    expect(legend.kind).toBe('sequential');
    if (legend.kind === 'categorical') {
      throw new Error('expected a continuous legend');
    }
    expect(legend.lut).toEqual(getColormapLut('heat'));
  });
});

describe('periodCategory', () => {
  it('classifies periods 0 … 70', () => {
    const powers = [1, 2, 4, 8, 16, 32, 64];
    for (let period = 0; period <= 70; period++) {
      let expected: number;
      if (period === 0) {
        expected = 0;
      } else if (powers.includes(period)) {
        expected = 1 + powers.indexOf(period);
      } else {
        expected = period % 2 === 1 ? 8 : 9;
      }
      expect(periodCategory(period), `period ${period}`).toBe(expected);
    }
  });

  it('rejects non-integers and negatives', () => {
    for (const value of [-1, 0.5, 2.25, NaN, Infinity]) {
      expect(periodCategory(value), `value ${value}`).toBe(NAN_INDEX);
    }
    expect(periodCategory(128)).toBe(9);
    expect(periodCategory(2 ** 25)).toBe(9);
  });
});

describe('colorizeLayer rule', () => {
  const linear = continuous('blueYellow', -1, 3, 'linear');

  it('gives NaN the NaN colour', () => {
    const values = new Float32Array(new Uint32Array([0x7fc00000, 0xffc00000, 0x7f800001]).buffer);
    const pixels = colorizeLayer(values, linear);
    for (let i = 0; i < values.length; i++) {
      expect(Array.from(pixels.subarray(4 * i, 4 * i + 4))).toEqual([...NAN_COLOR]);
    }
  });

  it('maps infinities and the range ends to the LUT ends', () => {
    expect(indexOf(-Infinity, linear)).toBe(0);
    expect(indexOf(Infinity, linear)).toBe(LUT_SIZE - 1);
    expect(indexOf(-1, linear)).toBe(0);
    expect(indexOf(3, linear)).toBe(LUT_SIZE - 1);
    expect(indexOf(-100, linear)).toBe(0);
    expect(indexOf(100, linear)).toBe(LUT_SIZE - 1);
  });

  it('switches index exactly at each boundary', () => {
    const prepared = prepareColormap(linear);
    for (let i = 1; i < LUT_SIZE; i++) {
      const boundary = prepared.boundaries[i]!;
      // Below a zero boundary the nearest value that is not flushed to zero is −2^−126.
      const below = boundary === 0 ? -(2 ** -126) : nextFloat32Down(boundary);
      expect(indexOf(boundary, linear), `boundary ${i}`).toBe(i);
      expect(indexOf(below, linear), `below boundary ${i}`).toBe(i - 1);
    }
  });

  it('agrees with floor(256·t) away from boundaries', () => {
    const random = new Random(5);
    for (let k = 0; k < 2000; k++) {
      const value = Math.fround(-1 + 4 * random.uniform());
      const t = (value + 1) / 4;
      const exact = 256 * t;
      if (Math.abs(exact - Math.round(exact)) < 1e-4) {
        continue;
      }
      expect(indexOf(value, linear), `value ${value}`).toBe(Math.min(255, Math.floor(exact)));
    }
  });

  it('treats subnormal values as zero', () => {
    const symmetric = continuous('blueRed', -1, 1, 'symmetric');
    const tiny = new Float32Array(new Uint32Array([0x00000001, 0x807fffff]).buffer);
    for (const value of tiny) {
      expect(indexOf(value, symmetric)).toBe(indexOf(0, symmetric));
    }
    expect(indexOf(0, symmetric)).toBe(LUT_SIZE / 2);
  });

  it('log scale puts non-positive values at the low end', () => {
    const log = continuous('heat', 0.01, 100, 'log');
    expect(indexOf(0, log)).toBe(0);
    expect(indexOf(-5, log)).toBe(0);
    expect(indexOf(1, log)).toBe(LUT_SIZE / 2);
    expect(indexOf(0.1, log)).toBe(LUT_SIZE / 4);
    expect(indexOf(100, log)).toBe(LUT_SIZE - 1);
  });

  it('symmetric scale centres zero', () => {
    const symmetric = continuous('blueRed', -0.2, 0.5, 'symmetric');
    expect(indexOf(-0.5, symmetric)).toBe(0);
    expect(indexOf(0.5, symmetric)).toBe(LUT_SIZE - 1);
    expect(indexOf(0, symmetric)).toBe(LUT_SIZE / 2);
    expect(indexOf(-1e-6, symmetric)).toBe(LUT_SIZE / 2 - 1);
    expect(indexOf(0.25, symmetric)).toBe((3 * LUT_SIZE) / 4);
  });

  it('colours phase codes', () => {
    const options: ColorizeOptions = { map: 'phase', mode: 'phase', min: 0, max: 0, scale: 'linear', nanColor: NAN_COLOR };
    const values = new Float32Array([0, 1, 2, 3, 4, 5, 6, -1, 2.5, Infinity]);
    const pixels = colorizeLayer(values, options);
    const byCode = Object.entries(PHASE_CODES).sort((a, b) => a[1] - b[1]);
    for (const [phase, code] of byCode) {
      expect(Array.from(pixels.subarray(4 * code, 4 * code + 4)), phase).toEqual([...PHASE_COLORS[phase as keyof typeof PHASE_COLORS]]);
    }
    for (let i = 6; i < values.length; i++) {
      expect(Array.from(pixels.subarray(4 * i, 4 * i + 4)), `value ${values[i]}`).toEqual([...NAN_COLOR]);
    }
  });

  it('colours periods through their category', () => {
    const options: ColorizeOptions = { map: 'period', mode: 'period', min: 0, max: 0, scale: 'linear', nanColor: NAN_COLOR };
    const lut = getColormapLut('period');
    const values = new Float32Array(Array.from({ length: 71 }, (_, period) => period));
    const pixels = colorizeLayer(values, options);
    for (let period = 0; period <= 70; period++) {
      const category = periodCategory(period);
      expect(Array.from(pixels.subarray(4 * period, 4 * period + 4)), `period ${period}`).toEqual(Array.from(entry(lut, category)));
    }
  });

  it('rejects invalid options', () => {
    const cases: ColorizeOptions[] = [
      continuous('blueYellow', 3, 1, 'linear'),
      continuous('blueYellow', 1, 1, 'linear'),
      continuous('blueYellow', NaN, 1, 'linear'),
      continuous('blueYellow', 0, 1e39, 'linear'),
      continuous('heat', 0, 10, 'log'),
      continuous('heat', -1, 10, 'log'),
      continuous('blueRed', 0, 0, 'symmetric'),
      continuous('phase', 0, 1, 'linear'),
      { ...continuous('blueYellow', 0, 1, 'linear'), nanColor: [0, 0, 256, 0] },
      { ...continuous('blueYellow', 0, 1, 'linear'), nanColor: [0, 0, 0] as unknown as Rgba },
      { map: 'blueYellow', mode: 'phase', min: 0, max: 1, scale: 'linear', nanColor: NAN_COLOR },
      { map: 'phase', mode: 'period', min: 0, max: 1, scale: 'linear', nanColor: NAN_COLOR },
      { ...continuous('blueYellow', 0, 1, 'linear'), scale: 'cubic' as ColorizeOptions['scale'] },
    ];
    for (const options of cases) {
      expect(() => prepareColormap(options), JSON.stringify(options)).toThrow(ValidationError);
    }
  });
});

describe('defaultColormapForLayer', () => {
  it('suggests a map that serves its mode', () => {
    for (const layer of LAYER_NAMES) {
      const suggestion = defaultColormapForLayer(layer);
      expect(COLORMAPS[suggestion.map].mode, layer).toBe(suggestion.mode);
    }
    expect(defaultColormapForLayer('lyapunovExponent').map).toBe('blueRed');
    expect(defaultColormapForLayer('phase').mode).toBe('phase');
  });
});
