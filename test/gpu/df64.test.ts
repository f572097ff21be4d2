/**
 * df64 arithmetic (shaders/df64.wgsl) on the test driver against float64.
 *
 * Error bound: u = 2⁻²⁴ is the f32 unit roundoff, and a normalized df64 pair
 * carries 48 bits (relative spacing about u²). Each operation makes a few
 * roundings of terms that are already a factor u below the result. For the
 * product, the dropped a.lo·b.lo (u²), the two rounded cross terms (2u²), their
 * rounded sum (2u²) and its rounded addition to the exact error of a.hi·b.hi
 * (up to 3u²) add up to under 8u² of |a·b|. For the sum, the high and the low
 * halves are each added exactly by two-sum, and only two additions of error
 * terms round. When the high halves cancel, Sterbenz's lemma makes their sum
 * exact, so the error stays a few u² of |a + b| even then. Division makes three
 * such products and sums. The test bound is 16u² = 2⁻⁴⁴, the precision that
 * src/core/precision.ts assumes for df64. Plain f32 arithmetic has errors up to
 * u = 2⁻²⁴, so the same bound rejects it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import testSource from '../../shaders/df64-test.wgsl?raw';
import { Random } from '../../src/core/random.ts';
import { DF64_SOURCE, resolveKernel } from '../../src/gpu/kernel-sources.ts';
import { testEngine } from './gpu-test-engine.ts';

const ERROR_BOUND = 2 ** -44;
const INPUT_COUNT = 4096;
const WORKGROUP_SIZE = 64;

// Output slots per input, as shaders/df64-test.wgsl numbers them.
const OUTPUT = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  f32Add: 4,
  f32Sub: 5,
  f32Mul: 6,
  f32Div: 7,
  twoSum: 8,
  quickTwoSum: 9,
  twoProduct: 10,
  toF32: 11,
  abs: 12,
  fromF32: 13,
} as const;
const OUTPUTS = 14;
const COMPARE_LESS = 1;
const COMPARE_LESS_EQUAL = 2;
const COMPARE_EQUAL = 4;

/** A df64 value as the kernel stores it; hi + lo is exact in float64. */
interface Pair {
  hi: number;
  lo: number;
}

/** Rounds a float64 to the nearest df64 pair (48 bits); hi + lo is then exact in float64. */
function toPair(value: number): Pair {
  const hi = Math.fround(value);
  return { hi, lo: Math.fround(value - hi) };
}

function pairValue(pair: Pair): number {
  return pair.hi + pair.lo;
}

/**
 * Returns seeded input pairs with magnitudes from 2⁻²⁰ to 2²⁰ and both signs.
 * In one input of four, |b| is within a factor 1 ± 2⁻¹ … 2⁻⁴⁰ of |a|, so a − b
 * or a + b cancels up to 40 bits, more than f32 has.
 */
function randomInputs(seed: number, count: number): Array<[Pair, Pair]> {
  const random = new Random(seed);
  const magnitude = () => (1 + random.uniform()) * 2 ** Math.floor(random.uniform() * 41 - 20);
  const sign = () => (random.uniform() < 0.5 ? -1 : 1);
  const inputs: Array<[Pair, Pair]> = [];
  for (let i = 0; i < count; i++) {
    const a = sign() * magnitude();
    let b: number;
    if (i % 4 === 3) {
      const offset = sign() * (1 + random.uniform()) * 2 ** -Math.floor(1 + random.uniform() * 40);
      b = (random.uniform() < 0.5 ? 1 : -1) * a * (1 + offset);
    } else {
      b = sign() * magnitude();
    }
    inputs.push([toPair(a), toPair(b)]);
  }
  // Equal inputs, for the comparisons.
  inputs[0] = [toPair(1 / 3), toPair(1 / 3)];
  return inputs;
}

/** Outputs of the test kernel: OUTPUTS (hi, lo) pairs and a comparison mask per input. */
interface KernelOutputs {
  pairs: Float32Array;
  comparisons: Uint32Array;
}

async function runTestKernel(device: GPUDevice, inputs: Array<[Pair, Pair]>): Promise<KernelOutputs> {
  const count = inputs.length;
  const inputData = new Float32Array(count * 4);
  inputs.forEach(([a, b], i) => inputData.set([a.hi, a.lo, b.hi, b.lo], i * 4));
  // count, then the run-time 0 of the compiler guard.
  const paramsData = new Uint32Array([count, 0, 0, 0]);

  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC;
  const params = device.createBuffer({ size: paramsData.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const input = device.createBuffer({ size: inputData.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  const pairs = device.createBuffer({ size: count * OUTPUTS * 8, usage });
  const comparisons = device.createBuffer({ size: count * 4, usage });
  const readPairs = device.createBuffer({ size: pairs.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const readComparisons = device.createBuffer({ size: comparisons.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    device.queue.writeBuffer(params, 0, paramsData);
    device.queue.writeBuffer(input, 0, inputData);

    device.pushErrorScope('validation');
    const module = device.createShaderModule({ label: 'df64-test.wgsl', code: resolveKernel([DF64_SOURCE, testSource], {}) });
    const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [params, input, pairs, comparisons].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(Math.ceil(count / WORKGROUP_SIZE));
    pass.end();
    encoder.copyBufferToBuffer(pairs, 0, readPairs, 0, pairs.size);
    encoder.copyBufferToBuffer(comparisons, 0, readComparisons, 0, comparisons.size);
    device.queue.submit([encoder.finish()]);
    const error = await device.popErrorScope();
    expect(error?.message).toBeUndefined();

    await Promise.all([readPairs.mapAsync(GPUMapMode.READ), readComparisons.mapAsync(GPUMapMode.READ)]);
    const result = {
      pairs: new Float32Array(readPairs.getMappedRange().slice(0)),
      comparisons: new Uint32Array(readComparisons.getMappedRange().slice(0)),
    };
    readPairs.unmap();
    readComparisons.unmap();
    return result;
  } finally {
    for (const buffer of [params, input, pairs, comparisons, readPairs, readComparisons]) {
      buffer.destroy();
    }
  }
}

function outputPair(outputs: KernelOutputs, index: number, slot: number): Pair {
  const base = (index * OUTPUTS + slot) * 2;
  return { hi: outputs.pairs[base]!, lo: outputs.pairs[base + 1]! };
}

/** Largest relative error of one output slot against float64, with the input where it occurs. */
interface ErrorReport {
  maxError: number;
  worstIndex: number;
}

function relativeErrors(
  inputs: Array<[Pair, Pair]>,
  outputs: KernelOutputs,
  slot: number,
  exact: (a: number, b: number) => number,
  operands: (a: Pair, b: Pair) => [number, number] = (a, b) => [pairValue(a), pairValue(b)],
): ErrorReport {
  let maxError = 0;
  let worstIndex = -1;
  inputs.forEach(([a, b], i) => {
    const expected = exact(...operands(a, b));
    const actual = pairValue(outputPair(outputs, i, slot));
    const error = expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
    if (!(error <= maxError)) {
      maxError = error;
      worstIndex = i;
    }
  });
  return { maxError, worstIndex };
}

const OPERATIONS: Array<{ name: string; slot: number; f32Slot: number; exact: (a: number, b: number) => number }> = [
  { name: 'add', slot: OUTPUT.add, f32Slot: OUTPUT.f32Add, exact: (a, b) => a + b },
  { name: 'sub', slot: OUTPUT.sub, f32Slot: OUTPUT.f32Sub, exact: (a, b) => a - b },
  { name: 'mul', slot: OUTPUT.mul, f32Slot: OUTPUT.f32Mul, exact: (a, b) => a * b },
  { name: 'div', slot: OUTPUT.div, f32Slot: OUTPUT.f32Div, exact: (a, b) => a / b },
];

/** Returns whether a + b of two f32 values is exact in float64, that is, whether their exponents differ by at most 28. */
function sumIsExactInFloat64(a: number, b: number): boolean {
  return a === 0 || b === 0 || Math.abs(Math.log2(Math.abs(a)) - Math.log2(Math.abs(b))) <= 28;
}

describe('df64 arithmetic on the GPU', () => {
  const inputs = randomInputs(20_240_611, INPUT_COUNT);
  let outputs: KernelOutputs;

  beforeAll(async () => {
    const engine = await testEngine();
    outputs = await runTestKernel(engine.device, inputs);
  });

  for (const operation of OPERATIONS) {
    it(`${operation.name} within 2⁻⁴⁴ of float64`, () => {
      const report = relativeErrors(inputs, outputs, operation.slot, operation.exact);
      console.info(`df64 ${operation.name}: largest relative error 2^${Math.log2(report.maxError).toFixed(1)}`);
      const [a, b] = inputs[Math.max(0, report.worstIndex)]!;
      expect(report.maxError, `worst at a = ${pairValue(a)}, b = ${pairValue(b)}`).toBeLessThanOrEqual(ERROR_BOUND);
    });

    it(`plain f32 ${operation.name} fails the bound`, () => {
      // f32 arithmetic on the high halves, against float64 arithmetic on the same high halves.
      const report = relativeErrors(inputs, outputs, operation.f32Slot, operation.exact, (a, b) => [a.hi, b.hi]);
      console.info(`f32 ${operation.name}: largest relative error 2^${Math.log2(report.maxError).toFixed(1)}`);
      expect(report.maxError).toBeGreaterThan(2 ** -26);
    });
  }

  it('two-sum error term exact', () => {
    let checked = 0;
    inputs.forEach(([a, b], i) => {
      if (!sumIsExactInFloat64(a.hi, b.hi)) {
        return;
      }
      checked += 1;
      const { hi: sum, lo: error } = outputPair(outputs, i, OUTPUT.twoSum);
      if (sum !== Math.fround(a.hi + b.hi) || sum + error !== a.hi + b.hi) {
        expect.fail(`two-sum of ${a.hi} and ${b.hi} returned ${sum} + ${error}, exact sum ${a.hi + b.hi}`);
      }
    });
    expect(checked).toBeGreaterThan(INPUT_COUNT / 2);
  });

  it('quick-two-sum error term exact', () => {
    inputs.forEach(([a, b], i) => {
      if (!sumIsExactInFloat64(a.hi, b.hi)) {
        return;
      }
      const { hi: sum, lo: error } = outputPair(outputs, i, OUTPUT.quickTwoSum);
      if (sum !== Math.fround(a.hi + b.hi) || sum + error !== a.hi + b.hi) {
        expect.fail(`quick-two-sum of ${a.hi} and ${b.hi} returned ${sum} + ${error}, exact sum ${a.hi + b.hi}`);
      }
    });
  });

  it('two-product error term exact', () => {
    inputs.forEach(([a, b], i) => {
      // The product of two f32 values has at most 48 bits, so float64 represents it exactly.
      const exact = a.hi * b.hi;
      const { hi: product, lo: error } = outputPair(outputs, i, OUTPUT.twoProduct);
      if (product !== Math.fround(exact) || product + error !== exact) {
        expect.fail(`two-product of ${a.hi} and ${b.hi} returned ${product} + ${error}, exact product ${exact}`);
      }
    });
  });

  it('conversions and abs exact', () => {
    inputs.forEach(([a, b], i) => {
      expect(outputPair(outputs, i, OUTPUT.toF32).hi).toBe(Math.fround(a.hi + a.lo));
      expect(outputPair(outputs, i, OUTPUT.fromF32)).toEqual({ hi: b.hi, lo: 0 });
      const abs = outputPair(outputs, i, OUTPUT.abs);
      expect(pairValue(abs)).toBe(Math.abs(pairValue(a)));
    });
  });

  it('comparisons match float64', () => {
    inputs.forEach(([a, b], i) => {
      const x = pairValue(a);
      const y = pairValue(b);
      const expected = (x < y ? COMPARE_LESS : 0) | (x <= y ? COMPARE_LESS_EQUAL : 0) | (x === y ? COMPARE_EQUAL : 0);
      expect(outputs.comparisons[i], `comparison of ${x} and ${y}`).toBe(expected);
    });
    expect(outputs.comparisons[0]).toBe(COMPARE_LESS_EQUAL | COMPARE_EQUAL);
  });
});
