/** Shared GPU engine for the test files: one device per test process. */
import { GpuEngine } from '../../src/gpu/trajectory-engine.ts';
import { requestNodeAdapter } from '../../src/gpu/node-webgpu.ts';

/** Adapter source for Node: Dawn on lavapipe (or the driver VK_ICD_FILENAMES names). */
export const nodeAdapterSource = async (): Promise<GPUAdapter | null> => (await requestNodeAdapter()).adapter;

let engine: Promise<GpuEngine> | undefined;

/** Returns the process-wide GPU engine, creating it on first use. */
export function testEngine(): Promise<GpuEngine> {
  engine ??= GpuEngine.create(nodeAdapterSource);
  return engine;
}
