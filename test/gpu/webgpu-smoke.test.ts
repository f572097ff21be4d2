import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeAdapter, requestNodeAdapter } from '../../src/gpu/node-webgpu.ts';

const SHADER_PATH = fileURLToPath(new URL('../../shaders/smoke-test.wgsl', import.meta.url));
const WORKGROUP_SIZE = 64;
// Not a multiple of WORKGROUP_SIZE, so the shader's bounds check is exercised.
const ELEMENT_COUNT = 1000;

// Both tests take under a second with lavapipe on a 2-core machine. The limit
// leaves room for shader compilation on a loaded CI machine.
const GPU_TIMEOUT_MS = 60_000;

describe('WebGPU in Node', () => {
  let device: GPUDevice;
  let adapterName: string;

  beforeAll(async () => {
    const result = await requestNodeAdapter();
    adapterName = result.adapterName;
    console.info('WebGPU adapter:', result.adapterName);
    console.info('adapter report:', describeAdapter(result.adapter));
    device = await result.adapter.requestDevice();
  }, GPU_TIMEOUT_MS);

  afterAll(() => {
    device?.destroy();
  });

  it('adapter reports compute limits', () => {
    expect(adapterName).not.toBe('');
    expect(device.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    expect(device.limits.maxComputeWorkgroupsPerDimension).toBeGreaterThan(0);
    expect(device.limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(WORKGROUP_SIZE);
  });

  it(
    'compute shader doubles f32 array',
    async () => {
      const input = new Float32Array(ELEMENT_COUNT);
      for (let i = 0; i < ELEMENT_COUNT; i++) {
        // Mixed signs, fractions and magnitudes, all exactly representable in f32.
        input[i] = (i - 500) * 0.375 + (i % 7) * 1024;
      }
      const byteLength = input.byteLength;

      const inputBuffer = device.createBuffer({
        size: byteLength,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
      });
      const outputBuffer = device.createBuffer({
        size: byteLength,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
      });
      const readbackBuffer = device.createBuffer({
        size: byteLength,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
      device.queue.writeBuffer(inputBuffer, 0, input);

      const code = await readFile(SHADER_PATH, 'utf8');
      const module = device.createShaderModule({ code });
      const compilation = await module.getCompilationInfo();
      const errors = compilation.messages.filter((message) => message.type === 'error');
      expect(errors.map((message) => `${message.lineNum}:${message.linePos} ${message.message}`)).toEqual([]);

      device.pushErrorScope('validation');
      const pipeline = await device.createComputePipelineAsync({
        layout: 'auto',
        compute: { module, entryPoint: 'main' },
      });
      const bindGroup = device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: inputBuffer } },
          { binding: 1, resource: { buffer: outputBuffer } },
        ],
      });

      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(Math.ceil(ELEMENT_COUNT / WORKGROUP_SIZE));
      pass.end();
      encoder.copyBufferToBuffer(outputBuffer, 0, readbackBuffer, 0, byteLength);
      device.queue.submit([encoder.finish()]);
      const validationError = await device.popErrorScope();
      expect(validationError?.message).toBeUndefined();

      await readbackBuffer.mapAsync(GPUMapMode.READ);
      const output = new Float32Array(readbackBuffer.getMappedRange().slice(0));
      readbackBuffer.unmap();

      const expected = input.map((value) => 2 * value);
      expect(output.length).toBe(ELEMENT_COUNT);
      // Compare element by element so a failure names the first wrong index.
      for (let i = 0; i < ELEMENT_COUNT; i++) {
        if (output[i] !== expected[i]) {
          expect.fail(`output[${i}] = ${output[i]}, expected ${expected[i]} (2 * ${input[i]})`);
        }
      }

      inputBuffer.destroy();
      outputBuffer.destroy();
      readbackBuffer.destroy();
    },
    GPU_TIMEOUT_MS,
  );
});
