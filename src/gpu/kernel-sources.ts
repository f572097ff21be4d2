/**
 * Assembly of WGSL kernels. A kernel is one or more files of `shaders/`,
 * concatenated in order (libraries such as `df64.wgsl` first), with the struct
 * declarations of the TypeGPU schemas in `externals` generated and prepended by
 * `tgpu.resolve`.
 */
import tgpu from 'typegpu';
import df64Source from '../../shaders/df64.wgsl?raw';

/** `shaders/df64.wgsl`: df64 arithmetic, a value as the unevaluated sum of two f32. */
export const DF64_SOURCE: string = df64Source;

/** Returns the WGSL of a kernel made of `sources` in order, with the schemas named in `externals` resolved. */
export function resolveKernel(sources: readonly string[], externals: Record<string, object>): string {
  return tgpu.resolve({ template: sources.join('\n'), externals });
}
