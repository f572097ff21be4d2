import { describe, expect, it } from 'vitest';
import { allocateViewLayers, LAYER_COUNT, LAYER_NAMES } from '../../src/core/layers.ts';
import { parseNpy } from '../../src/core/npy.ts';
import { assessPrecision } from '../../src/core/precision.ts';
import { createView } from '../../src/core/view.ts';
import {
  describeViewExport,
  encodeViewNpy,
  formatFloat32,
  formatSidecarJson,
  formatViewCsv,
  pixelCentreValues,
} from '../../src/core/view-export.ts';

const view = createView({
  x: { parameter: 'etaRatio', min: 0.5, max: 2, scale: 'linear' },
  y: { parameter: 'width', min: 1, max: 1000, scale: 'log' },
  columns: 3,
  rows: 2,
});

/** Layers whose value encodes layer, row and column: 100·layer + 10·row + column. */
function numberedLayers() {
  const layers = allocateViewLayers(view.columns * view.rows);
  LAYER_NAMES.forEach((name, layer) => {
    for (let pixel = 0; pixel < view.columns * view.rows; pixel++) {
      layers[name][pixel] = 100 * layer + 10 * Math.floor(pixel / view.columns) + (pixel % view.columns);
    }
  });
  return layers;
}

describe('view export', () => {
  it('stacks layers as [layer, row, column]', () => {
    const parsed = parseNpy(encodeViewNpy(numberedLayers(), view));
    expect(parsed.shape).toEqual([LAYER_COUNT, 2, 3]);
    for (let layer = 0; layer < LAYER_COUNT; layer++) {
      for (let row = 0; row < 2; row++) {
        for (let column = 0; column < 3; column++) {
          expect(parsed.data[(layer * 2 + row) * 3 + column]).toBe(100 * layer + 10 * row + column);
        }
      }
    }
  });

  it('lists pixel centres left to right and top to bottom', () => {
    expect(pixelCentreValues(view, 'x')).toEqual([0.75, 1.25, 1.75]);
    const rows = pixelCentreValues(view, 'y');
    expect(rows[0]).toBeCloseTo(1000 ** 0.75, 9);
    expect(rows[1]).toBeCloseTo(1000 ** 0.25, 9);
  });

  it('describes axes, layers and engine in the sidecar', () => {
    const engine = { kind: 'cpu' as const, description: 'float64 CPU engine (test)', arithmetic: 'float64' as const, precision: assessPrecision(view) };
    const sidecar = describeViewExport(view, 'v=1&res=3x2', 'view.npy', engine, '9.9.9');
    expect(sidecar.shape).toEqual([16, 2, 3]);
    expect(sidecar.data).toBe('view.npy');
    expect(sidecar.query).toBe('v=1&res=3x2');
    expect(sidecar.version).toBe('9.9.9');
    expect(sidecar.x).toMatchObject({ parameter: 'etaRatio', min: 0.5, max: 2, scale: 'linear', label: 'η/η_c' });
    expect(sidecar.y.values).toHaveLength(2);
    expect(sidecar.layers.map((layer) => layer.name)).toEqual([...LAYER_NAMES]);
    expect(sidecar.layers[0]!.description).toContain('0 converged');
    expect(sidecar.engine.description).toBe('float64 CPU engine (test)');
    expect(sidecar.engine.arithmetic).toBe('float64');
    const json = JSON.parse(formatSidecarJson({ ...sidecar, engine: { ...engine, precision: { ...engine.precision, smallestYTilde: Infinity } } }));
    expect(json.engine.precision.smallestYTilde).toBe('Infinity');
  });

  it('writes one CSV line per pixel', () => {
    const lines = formatViewCsv(view, numberedLayers()).trimEnd().split('\n');
    expect(lines).toHaveLength(1 + 6);
    expect(lines[0]).toBe(['column', 'row', 'etaRatio', 'width', ...LAYER_NAMES].join(','));
    const fields = lines[6]!.split(',');
    expect(fields.slice(0, 3)).toEqual(['2', '1', '1.75']);
    expect(Number(fields[3])).toBeCloseTo(1000 ** 0.25, 12);
    expect(fields.slice(4).map(Number)).toEqual(LAYER_NAMES.map((_, layer) => 100 * layer + 12));
  });

  it('writes float32 values in the fewest digits', () => {
    expect(formatFloat32(Math.fround(0.1))).toBe('0.1');
    expect(formatFloat32(Math.fround(1 / 3))).toBe('0.33333334');
    expect(formatFloat32(-1)).toBe('-1');
    expect(formatFloat32(Math.fround(1e-30))).toBe('1e-30');
    expect(formatFloat32(NaN)).toBe('nan');
    expect(formatFloat32(Infinity)).toBe('inf');
    expect(formatFloat32(-Infinity)).toBe('-inf');
    for (const value of [Math.fround(Math.PI), Math.fround(-2.5e-7), Math.fround(123456.78), 3.4028234663852886e38]) {
      expect(Math.fround(Number(formatFloat32(value)))).toBe(value);
    }
  });
});
