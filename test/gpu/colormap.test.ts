import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colorizeLayer, prepareColormap, type ColorizeOptions, type Rgba } from '../../src/core/colormaps.ts';
import { ValidationError } from '../../src/core/errors.ts';
import { LAYER_COUNT } from '../../src/core/layers.ts';
import { Random } from '../../src/core/random.ts';
import {
  ColormapPass,
  colorizeOnGpu,
  getColormapPipeline,
  planColormapChunks,
  type ColormapLimits,
} from '../../src/gpu/colormap-pass.ts';
import { requestNodeAdapter } from '../../src/gpu/node-webgpu.ts';

const NAN_COLOR: Rgba = [255, 0, 255, 128];

// Bit patterns that the kernel must classify without float arithmetic.
const SPECIAL_BITS = [
  0x7fc00000, // canonical NaN, the "no value" marker
  0xffc00000, // NaN with the sign bit
  0x7f800001, // signalling NaN payload
  0x7fffffff, // NaN with every mantissa bit
  0x7f800000, // +Infinity
  0xff800000, // −Infinity
  0x00000000, // +0
  0x80000000, // −0
  0x00000001, // smallest subnormal
  0x807fffff, // largest negative subnormal
  0x00800000, // smallest normal
  0x7f7fffff, // largest finite
  0xff7fffff, // most negative finite
];

/** Values that hit every branch of the rule: special bit patterns, boundaries and their float32 neighbours, integers, randoms. */
function buildTestValues(options: ColorizeOptions, random: Random, randomCount: number): Float32Array {
  const values: number[] = [];
  const scratch = new Uint32Array(1);
  const asFloat = new Float32Array(scratch.buffer);
  const neighbours = (value: number): number[] => {
    asFloat[0] = value;
    const bits = scratch[0]!;
    const result: number[] = [];
    for (const delta of [-1, 1]) {
      scratch[0] = (bits + delta) >>> 0;
      result.push(asFloat[0]!);
    }
    return result;
  };

  for (const bits of SPECIAL_BITS) {
    scratch[0] = bits;
    values.push(asFloat[0]!);
  }
  for (let integer = -3; integer <= 70; integer++) {
    values.push(integer, integer + 0.5);
  }
  values.push(128, 129, 2 ** 24, 2 ** 24 + 2, 2 ** 30, 1e30, 4294967296);

  const prepared = prepareColormap(options);
  if (options.mode === 'continuous') {
    values.push(options.min, options.max, -options.min, -options.max, 2 * options.max, options.min - 1, options.max + 1);
    for (let i = 1; i < prepared.boundaries.length; i++) {
      const boundary = prepared.boundaries[i]!;
      values.push(boundary, ...neighbours(boundary));
    }
  }

  const span = options.max - options.min;
  for (let i = 0; i < randomCount; i++) {
    const u = random.uniform();
    switch (i % 4) {
      case 0:
        // Uniform over a range a little wider than [min, max].
        values.push(options.min - 0.1 * span + 1.2 * span * u);
        break;
      case 1:
        // Log-uniform magnitudes of both signs, 1e-30 … 1e30.
        values.push((random.uniform() < 0.5 ? -1 : 1) * 10 ** (60 * u - 30));
        break;
      case 2:
        values.push(Math.floor(80 * u) - 5);
        break;
      default:
        values.push(options.min + span * u);
    }
  }
  return new Float32Array(values);
}

/** Interleaves `layer` into layer `layerIndex` of a results array; the other layers get other random values. */
function buildResults(layer: Float32Array, layerIndex: number, random: Random): Float32Array {
  const results = new Float32Array(layer.length * LAYER_COUNT);
  for (let pixel = 0; pixel < layer.length; pixel++) {
    for (let k = 0; k < LAYER_COUNT; k++) {
      results[pixel * LAYER_COUNT + k] = k === layerIndex ? layer[pixel]! : 1000 * random.uniform() - 500;
    }
  }
  return results;
}

function layerOf(results: Float32Array, layerIndex: number): Float32Array {
  const layer = new Float32Array(results.length / LAYER_COUNT);
  for (let pixel = 0; pixel < layer.length; pixel++) {
    layer[pixel] = results[pixel * LAYER_COUNT + layerIndex]!;
  }
  return layer;
}

/** Fails on the first pixel whose bytes differ, naming the value's bit pattern. */
function expectSamePixels(actual: Uint8ClampedArray, expected: Uint8ClampedArray, layer: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  const bits = new Uint32Array(layer.buffer, layer.byteOffset, layer.length);
  let mismatches = 0;
  let first = '';
  for (let pixel = 0; pixel < layer.length; pixel++) {
    for (let channel = 0; channel < 4; channel++) {
      if (actual[4 * pixel + channel] !== expected[4 * pixel + channel]) {
        if (mismatches === 0) {
          first =
            `pixel ${pixel}, value ${layer[pixel]} (bits 0x${bits[pixel]!.toString(16).padStart(8, '0')}): ` +
            `GPU ${Array.from(actual.subarray(4 * pixel, 4 * pixel + 4))}, CPU ${Array.from(expected.subarray(4 * pixel, 4 * pixel + 4))}`;
        }
        mismatches += 1;
        break;
      }
    }
  }
  expect(first, `${mismatches} of ${layer.length} pixels differ; first at`).toBe('');
}

const CASES: { name: string; layerIndex: number; options: ColorizeOptions }[] = [
  { name: 'linear blueYellow', layerIndex: 4, options: { map: 'blueYellow', mode: 'continuous', min: -1, max: 3, scale: 'linear', nanColor: NAN_COLOR } },
  { name: 'linear heat, narrow range', layerIndex: 2, options: { map: 'heat', mode: 'continuous', min: 1, max: 1.0001, scale: 'linear', nanColor: NAN_COLOR } },
  { name: 'linear grey, full float32 range', layerIndex: 3, options: { map: 'grey', mode: 'continuous', min: -3e38, max: 3e38, scale: 'linear', nanColor: NAN_COLOR } },
  { name: 'log heat', layerIndex: 7, options: { map: 'heat', mode: 'continuous', min: 1e-3, max: 1e4, scale: 'log', nanColor: NAN_COLOR } },
  { name: 'symmetric blueRed', layerIndex: 8, options: { map: 'blueRed', mode: 'continuous', min: -0.2, max: 0.5, scale: 'symmetric', nanColor: NAN_COLOR } },
  { name: 'phase', layerIndex: 0, options: { map: 'phase', mode: 'phase', min: 0, max: 1, scale: 'linear', nanColor: NAN_COLOR } },
  { name: 'period', layerIndex: 1, options: { map: 'period', mode: 'period', min: 0, max: 1, scale: 'linear', nanColor: [0, 0, 0, 0] } },
];

describe('colormap kernel', () => {
  let device: GPUDevice;
  const buffers: GPUBuffer[] = [];

  function uploadResults(results: Float32Array): GPUBuffer {
    const buffer = device.createBuffer({ size: Math.max(4, results.byteLength), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(buffer, 0, results);
    buffers.push(buffer);
    return buffer;
  }

  beforeAll(async () => {
    const { adapter } = await requestNodeAdapter();
    device = await adapter.requestDevice();
  });

  afterAll(() => {
    for (const buffer of buffers) {
      buffer.destroy();
    }
    device?.destroy();
  });

  it('generated WGSL declares the param structs', async () => {
    const { code } = await getColormapPipeline(device);
    expect(code).toMatch(/struct ColormapParams\s*\{/);
    expect(code).toMatch(/struct ColormapRange\s*\{/);
  });

  for (const testCase of CASES) {
    it(`matches colorizeLayer: ${testCase.name}`, async () => {
      const random = new Random(1000 + testCase.layerIndex);
      const layer = buildTestValues(testCase.options, random, 3000);
      const results = buildResults(layer, testCase.layerIndex, random);
      const buffer = uploadResults(results);

      const gpu = await colorizeOnGpu(device, buffer, layer.length, testCase.layerIndex, testCase.options);

      expectSamePixels(gpu, colorizeLayer(layer, testCase.options), layer);
    });
  }

  it('reads the requested layer', async () => {
    const random = new Random(7);
    const pixelCount = 500;
    const results = new Float32Array(pixelCount * LAYER_COUNT);
    for (let i = 0; i < results.length; i++) {
      results[i] = random.uniform();
    }
    const buffer = uploadResults(results);
    const options: ColorizeOptions = { map: 'blueYellow', mode: 'continuous', min: 0, max: 1, scale: 'linear', nanColor: NAN_COLOR };

    const outputs: Uint8ClampedArray[] = [];
    for (const layerIndex of [0, 5, 15]) {
      const gpu = await colorizeOnGpu(device, buffer, pixelCount, layerIndex, options);
      const layer = layerOf(results, layerIndex);
      expectSamePixels(gpu, colorizeLayer(layer, options), layer);
      outputs.push(gpu);
    }
    expect(outputs[0]).not.toEqual(outputs[1]);
    expect(outputs[1]).not.toEqual(outputs[2]);
  });

  it('splits into windows and a 2D grid', async () => {
    const options = CASES[3]!.options;
    const random = new Random(11);
    const layer = buildTestValues(options, random, 1200);
    const results = buildResults(layer, 7, random);
    const buffer = uploadResults(results);
    // 256 pixels a window and 2 workgroups a row force several windows with 2 rows each.
    const limits = { maxStorageBufferBindingSize: 256 * 64, maxComputeWorkgroupsPerDimension: 2 };
    const pipeline = await getColormapPipeline(device);
    const output = device.createBuffer({ size: layer.length * 4, usage: GPUBufferUsage.STORAGE });
    buffers.push(output);
    const pass = new ColormapPass(pipeline, { results: buffer, output, pixelCount: layer.length, limits });
    pass.destroy();
    expect(pass.chunks.length).toBeGreaterThan(2);
    expect(pass.chunks.some((chunk) => chunk.workgroups[1] > 1)).toBe(true);

    const gpu = await colorizeOnGpu(device, buffer, layer.length, 7, options, limits);

    expectSamePixels(gpu, colorizeLayer(layer, options), layer);
  });

  it('colours only its pixel range', async () => {
    const options = CASES[0]!.options;
    const random = new Random(13);
    const layer = buildTestValues(options, random, 1000);
    const results = buildResults(layer, 4, random);
    const buffer = uploadResults(results);
    const firstPixel = 101;
    const pixelCount = 333;
    const sentinel = 0xdeadbeef;
    const output = device.createBuffer({ size: layer.length * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    const readback = device.createBuffer({ size: layer.length * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    buffers.push(output, readback);
    device.queue.writeBuffer(output, 0, new Uint32Array(layer.length).fill(sentinel));

    const pipeline = await getColormapPipeline(device);
    // A 128-pixel window makes the range start and end inside windows.
    const pass = new ColormapPass(pipeline, { results: buffer, output, pixelCount, firstPixel, limits: { maxStorageBufferBindingSize: 128 * 64 } });
    pass.write(4, options);
    const encoder = device.createCommandEncoder();
    pass.encode(encoder);
    encoder.copyBufferToBuffer(output, 0, readback, 0, layer.length * 4);
    device.queue.submit([encoder.finish()]);
    pass.destroy();
    await readback.mapAsync(GPUMapMode.READ);
    const words = new Uint32Array(readback.getMappedRange().slice(0));
    readback.unmap();

    const outside = [...words.subarray(0, firstPixel), ...words.subarray(firstPixel + pixelCount)];
    expect(outside.every((word) => word === sentinel)).toBe(true);
    const inside = new Uint8ClampedArray(words.buffer, firstPixel * 4, pixelCount * 4);
    const expectedLayer = layer.subarray(firstPixel, firstPixel + pixelCount);
    expectSamePixels(inside, colorizeLayer(expectedLayer, options), expectedLayer);
  });

  it('returns nothing for zero pixels', async () => {
    const buffer = uploadResults(new Float32Array(LAYER_COUNT));
    const gpu = await colorizeOnGpu(device, buffer, 0, 0, CASES[0]!.options);
    expect(gpu.length).toBe(0);
  });

  it('rejects an invalid layer index', async () => {
    const buffer = uploadResults(new Float32Array(LAYER_COUNT * 4));
    await expect(colorizeOnGpu(device, buffer, 4, LAYER_COUNT, CASES[0]!.options)).rejects.toThrow(ValidationError);
    await expect(colorizeOnGpu(device, buffer, 4, 1.5, CASES[0]!.options)).rejects.toThrow(ValidationError);
  });

  it('rejects an output without STORAGE usage', async () => {
    const buffer = uploadResults(new Float32Array(LAYER_COUNT * 4));
    const output = device.createBuffer({ size: 16, usage: GPUBufferUsage.COPY_SRC });
    buffers.push(output);
    const pipeline = await getColormapPipeline(device);
    expect(() => new ColormapPass(pipeline, { results: buffer, output, pixelCount: 4 })).toThrow(/output\.usage/);
  });

  it('rejects a results buffer that is too small', async () => {
    const buffer = uploadResults(new Float32Array(LAYER_COUNT * 4));
    await expect(colorizeOnGpu(device, buffer, 5, 0, CASES[0]!.options)).rejects.toThrow(/results\.size/);
  });
});

describe('planColormapChunks', () => {
  const limits: ColormapLimits = { maxStorageBufferBindingSize: 500 * 64, maxComputeWorkgroupsPerDimension: 3, minStorageBufferOffsetAlignment: 256 };

  it('covers the range once with aligned windows', () => {
    for (const [firstPixel, pixelCount] of [
      [0, 1],
      [0, 5000],
      [37, 4321],
      [64, 64],
      [999, 1],
    ] as const) {
      const chunks = planColormapChunks(firstPixel, pixelCount, limits);
      let next = firstPixel;
      for (const chunk of chunks) {
        expect(chunk.windowStart + chunk.pixelOffset).toBe(next);
        expect((chunk.windowStart * 64) % 256).toBe(0);
        expect((chunk.windowStart * 4) % 256).toBe(0);
        expect(chunk.windowLength * 64).toBeLessThanOrEqual(limits.maxStorageBufferBindingSize);
        expect(chunk.pixelOffset + chunk.pixelCount).toBeLessThanOrEqual(chunk.windowLength);
        expect(chunk.workgroups[0]).toBeLessThanOrEqual(3);
        expect(chunk.workgroups[1]).toBeLessThanOrEqual(3);
        expect(chunk.workgroups[0] * chunk.workgroups[1] * 64).toBeGreaterThanOrEqual(chunk.pixelCount);
        next += chunk.pixelCount;
      }
      expect(next).toBe(firstPixel + pixelCount);
    }
  });

  it('rejects a binding limit below one aligned window', () => {
    expect(() => planColormapChunks(0, 10, { ...limits, maxStorageBufferBindingSize: 63 * 64 })).toThrow(ValidationError);
  });
});
