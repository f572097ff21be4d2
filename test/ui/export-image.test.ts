import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { colorizeOptionsFor } from '../../src/core/colorize-options.ts';
import { setLogSink } from '../../src/core/logger.ts';
import { decodePngRgba } from '../../src/core/png.ts';
import { decodeAppState } from '../../src/core/url-state.ts';
import { createEngine, PrecisionError } from '../../src/gpu/engine.ts';
import { exportViewPng } from '../../src/ui/export-image.ts';
import { nodeAdapterSource } from '../gpu/gpu-test-engine.ts';

setLogSink({ info: () => undefined, warn: () => undefined });

describe('PNG export in bands', () => {
  it('gives the pixels of a single render', async () => {
    const engine = await createEngine({ adapterSource: nodeAdapterSource });
    // A log axis and a linear one, both through phase boundaries.
    const state = decodeAppState('res=40x30&T=300&xa=etaRatio,0.3,2.1,log&ya=sigmaW,0.2,1.8,linear');
    const options = {
      width: 40,
      height: 30,
      decorations: { axes: false, title: false, colorbar: false },
      colorize: colorizeOptionsFor(state, undefined),
      version: 'test',
    };
    const whole = await decodePngRgba(await exportViewPng(engine, state, options), (data) => inflateSync(data));
    const bands = await decodePngRgba(await exportViewPng(engine, state, { ...options, bandPixels: 7 * 40 }), (data) => inflateSync(data));
    engine.dispose();
    expect(bands.width).toBe(40);
    expect(bands.height).toBe(30);
    let different = 0;
    for (let i = 0; i < whole.rgba.length; i += 4) {
      if (whole.rgba[i] !== bands.rgba[i] || whole.rgba[i + 1] !== bands.rgba[i + 1] || whole.rgba[i + 2] !== bands.rgba[i + 2]) {
        different += 1;
      }
    }
    expect(different).toBe(0);
  }, 120_000);

  it('draws the samples of a single render', async () => {
    const engine = await createEngine({ adapterSource: nodeAdapterSource });
    // Four finite-width samples per pixel at n = 16: each pixel's phase fractions depend on its seeds.
    const state = decodeAppState('res=24x18&T=300&n=16&s=0&init=sampled&seed=7&samples=4&xa=etaRatio,0.5,2,linear&ya=sigmaW,0.2,1.5,linear&layer=fractionChaotic&cmap=heat');
    const options = {
      width: 24,
      height: 18,
      decorations: { axes: false, title: false, colorbar: false },
      colorize: colorizeOptionsFor(state, undefined),
      version: 'test',
    };
    try {
      const whole = await decodePngRgba(await exportViewPng(engine, state, options), (data) => inflateSync(data));
      const bands = await decodePngRgba(await exportViewPng(engine, state, { ...options, bandPixels: 5 * 24 }), (data) => inflateSync(data));
      expect(Buffer.from(bands.rgba).equals(Buffer.from(whole.rgba))).toBe(true);
      // The fractions vary over the picture, so equal images mean equal samples.
      expect(new Set(Array.from({ length: whole.rgba.length / 4 }, (_, i) => whole.rgba[4 * i])).size).toBeGreaterThan(2);
    } finally {
      engine.dispose();
    }
  }, 120_000);

  it('renders in the precision of the state', async () => {
    const engine = await createEngine({ adapterSource: nodeAdapterSource });
    // η/η_c across 1e-6 at 1.3: 16 columns are 6.3e-8 apart, 0.52 float32 ulps, so auto renders in df64.
    const deep = 'res=16x12&T=200&xa=etaRatio,1.2999995,1.3000005,linear';
    const options = {
      width: 16,
      height: 12,
      decorations: { axes: false, title: false, colorbar: false },
      version: 'test',
      bandPixels: 4 * 16,
    };
    try {
      const auto = decodeAppState(deep);
      const named = decodeAppState(`${deep}&precision=df64`);
      const fromAuto = await decodePngRgba(await exportViewPng(engine, auto, { ...options, colorize: colorizeOptionsFor(auto, undefined) }), (data) => inflateSync(data));
      const fromNamed = await decodePngRgba(await exportViewPng(engine, named, { ...options, colorize: colorizeOptionsFor(named, undefined) }), (data) => inflateSync(data));
      expect(fromAuto.rgba).toEqual(fromNamed.rgba);

      const float32 = decodeAppState(`${deep}&precision=float32`);
      await expect(exportViewPng(engine, float32, { ...options, colorize: colorizeOptionsFor(float32, undefined) })).rejects.toBeInstanceOf(PrecisionError);
    } finally {
      engine.dispose();
    }
  }, 120_000);
});
