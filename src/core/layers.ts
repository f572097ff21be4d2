/**
 * The per-pixel layers that every engine produces for a view, and the rule that
 * combines the samples of one pixel. The WGSL reduction kernel applies the same rule.
 */
import { PHASES, type Phase, type TrajectoryAnalysis } from './analysis.ts';

/** Phase codes stored in the `phase` layer: the index in {@link PHASES}, or 5 for a pixel with no valid trajectory. */
export const PHASE_CODES: Record<Phase | 'invalid', number> = {
  converged: 0,
  periodic: 1,
  chaotic: 2,
  unresolved: 3,
  diverged: 4,
  invalid: 5,
};

/** Phase code of a pixel outside the valid parameter region (f₀ outside the wedge, η/η_c with y ≤ 0, …). */
export const INVALID_PIXEL = 5;

/** Description of one layer: its name, meaning and the kind of colour map that suits it. */
export interface LayerInfo {
  name: LayerName;
  label: string;
  description: string;
  colorMap: 'categorical' | 'sequential' | 'diverging';
}

/** Names of the layers, in the order they are stored per pixel. */
export const LAYER_NAMES = [
  'phase',
  'period',
  'convergenceStep',
  'divergenceStep',
  'lateSharpnessMin',
  'lateSharpnessMax',
  'sharpnessRatio',
  'peakLossRatio',
  'lyapunovExponent',
  'catapult',
  'sharpening',
  'fractionConverged',
  'fractionPeriodic',
  'fractionChaotic',
  'fractionUnresolved',
  'fractionDiverged',
] as const;

/** Name of one layer. */
export type LayerName = (typeof LAYER_NAMES)[number];

/** Number of layers, that is floats stored per pixel. */
export const LAYER_COUNT = LAYER_NAMES.length;

/** Meaning of every layer. NaN marks a value that does not exist (for example after a divergence). */
export const LAYERS: Record<LayerName, LayerInfo> = {
  phase: { name: 'phase', label: 'phase', description: 'modal phase code: 0 converged, 1 periodic, 2 chaotic, 3 unresolved, 4 diverged, 5 invalid pixel', colorMap: 'categorical' },
  period: { name: 'period', label: 'period', description: 'modal period of the late orbit among samples of the modal phase (0: none detected)', colorMap: 'categorical' },
  convergenceStep: { name: 'convergenceStep', label: 'convergence step', description: 'mean step of convergence over converged samples (−1: none converged)', colorMap: 'sequential' },
  divergenceStep: { name: 'divergenceStep', label: 'divergence step', description: 'mean step of divergence over diverged samples (−1: none diverged)', colorMap: 'sequential' },
  lateSharpnessMin: { name: 'lateSharpnessMin', label: 'min ηλ_H/2', description: 'late-window minimum of ηλ_H/2, mean over samples', colorMap: 'sequential' },
  lateSharpnessMax: { name: 'lateSharpnessMax', label: 'max ηλ_H/2', description: 'late-window maximum of ηλ_H/2, mean over samples', colorMap: 'sequential' },
  sharpnessRatio: { name: 'sharpnessRatio', label: 'λ_final/λ₀', description: 'final over initial NTK eigenvalue, mean over samples', colorMap: 'diverging' },
  peakLossRatio: { name: 'peakLossRatio', label: 'peak loss/initial loss', description: 'max_t L_t/L₀, mean over samples', colorMap: 'sequential' },
  lyapunovExponent: { name: 'lyapunovExponent', label: 'Lyapunov exponent', description: 'largest Lyapunov exponent per step, mean over samples', colorMap: 'diverging' },
  catapult: { name: 'catapult', label: 'catapult', description: 'fraction of samples that converged after a catapult', colorMap: 'sequential' },
  sharpening: { name: 'sharpening', label: 'sharpening', description: 'fraction of samples whose λ rose overall', colorMap: 'sequential' },
  fractionConverged: { name: 'fractionConverged', label: 'converged fraction', description: 'fraction of samples that converged', colorMap: 'sequential' },
  fractionPeriodic: { name: 'fractionPeriodic', label: 'periodic fraction', description: 'fraction of samples on an EoS cycle', colorMap: 'sequential' },
  fractionChaotic: { name: 'fractionChaotic', label: 'chaotic fraction', description: 'fraction of samples that are chaotic', colorMap: 'sequential' },
  fractionUnresolved: { name: 'fractionUnresolved', label: 'unresolved fraction', description: 'fraction of samples left unresolved', colorMap: 'sequential' },
  fractionDiverged: { name: 'fractionDiverged', label: 'diverged fraction', description: 'fraction of samples that diverged', colorMap: 'sequential' },
};

/** Layer values of one pixel, indexed like {@link LAYER_NAMES}. */
export type PixelLayers = Float32Array | Float64Array | number[];

/**
 * Combines the analyses of one pixel's samples into its layer values, written to
 * `out` at `offset` (LAYER_COUNT values). `analyses` is undefined for an invalid pixel.
 *
 * Rules: the phase is the most frequent, and ties go to the lower code. The period
 * is the most frequent among samples of that phase, and ties go to the shorter. Step
 * layers average the samples that converged or diverged (−1 when none did). The
 * other continuous layers average their finite values (NaN when none is finite).
 * Flags and fractions count samples.
 */
export function combineSamples(analyses: TrajectoryAnalysis[] | undefined, out: PixelLayers, offset = 0): void {
  if (analyses === undefined || analyses.length === 0) {
    out[offset] = INVALID_PIXEL;
    for (let k = 1; k < LAYER_COUNT; k++) {
      out[offset + k] = k >= 9 ? 0 : NaN;
    }
    return;
  }

  const phaseCounts = [0, 0, 0, 0, 0];
  for (const analysis of analyses) {
    phaseCounts[PHASE_CODES[analysis.phase]]! += 1;
  }
  let phase = 0;
  for (let code = 1; code < phaseCounts.length; code++) {
    if (phaseCounts[code]! > phaseCounts[phase]!) {
      phase = code;
    }
  }

  const periodCounts = new Map<number, number>();
  for (const analysis of analyses) {
    if (PHASE_CODES[analysis.phase] === phase) {
      periodCounts.set(analysis.period, (periodCounts.get(analysis.period) ?? 0) + 1);
    }
  }
  let period = 0;
  let periodCount = -1;
  for (const [candidate, count] of [...periodCounts].sort((a, b) => a[0] - b[0])) {
    if (count > periodCount) {
      period = candidate;
      periodCount = count;
    }
  }

  const n = analyses.length;
  out[offset + 0] = phase;
  out[offset + 1] = period;
  out[offset + 2] = meanWhere(analyses, (a) => a.convergenceStep, (value) => value >= 0, -1);
  out[offset + 3] = meanWhere(analyses, (a) => a.divergenceStep, (value) => value >= 0, -1);
  out[offset + 4] = meanWhere(analyses, (a) => a.lateSharpnessMin, Number.isFinite, NaN);
  out[offset + 5] = meanWhere(analyses, (a) => a.lateSharpnessMax, Number.isFinite, NaN);
  out[offset + 6] = meanWhere(analyses, (a) => a.sharpnessRatio, Number.isFinite, NaN);
  out[offset + 7] = meanWhere(analyses, (a) => a.peakLossRatio, Number.isFinite, NaN);
  out[offset + 8] = meanWhere(analyses, (a) => a.lyapunovExponent, Number.isFinite, NaN);
  out[offset + 9] = analyses.filter((a) => a.catapult).length / n;
  out[offset + 10] = analyses.filter((a) => a.sharpnessTrend === 'sharpening').length / n;
  for (let code = 0; code < 5; code++) {
    out[offset + 11 + code] = phaseCounts[code]! / n;
  }
}

function meanWhere(
  analyses: TrajectoryAnalysis[],
  read: (analysis: TrajectoryAnalysis) => number,
  include: (value: number) => boolean,
  fallback: number,
): number {
  let sum = 0;
  let count = 0;
  for (const analysis of analyses) {
    const value = read(analysis);
    if (include(value)) {
      sum += value;
      count += 1;
    }
  }
  return count === 0 ? fallback : sum / count;
}

/** Per-layer arrays of a whole view, each row-major with row 0 at the top. */
export type ViewLayers = Record<LayerName, Float32Array>;

/** Allocates empty layer arrays for `pixels` pixels. */
export function allocateViewLayers(pixels: number): ViewLayers {
  return Object.fromEntries(LAYER_NAMES.map((name) => [name, new Float32Array(pixels)])) as ViewLayers;
}
