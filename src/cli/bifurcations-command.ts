/**
 * `eos-atlas bifurcations`: locates the period-doubling cascade of the UV model
 * on the EoS manifold, its Feigenbaum ratios, the onset of chaos, the period-3
 * window and the boundary crisis, all in the dimensionless target ỹ = η/η_c.
 * With --engine it locates them for any experiment on an engine instead
 * (engine-bifurcations.ts).
 */
import { DEFAULT_DEPTH, findBifurcations, MAX_DEPTH, type BifurcationReport } from '../core/bifurcations.ts';
import { MAX_DETECTABLE_DOUBLING } from '../core/cascade.ts';
import { ValidationError } from '../core/errors.ts';
import { ENGINE_ONLY_OPTIONS, ENGINE_OPTIONS, runEngineBifurcations } from './engine-bifurcations.ts';
import { formatOptionHelp, INITIALIZATION_OPTIONS, parseNumber, parseOptions, UsageError, type OptionSpec } from './options.ts';

const OPTIONS: OptionSpec[] = [
  {
    name: 'depth',
    type: 'string',
    valueName: 'K',
    description: `number of doubling points ỹ_1 … ỹ_K to locate, an integer from 2 to ${MAX_DEPTH} (fewer are printed when float64 runs out); with --engine, 1 to ${MAX_DETECTABLE_DOUBLING}`,
    defaultText: `${DEFAULT_DEPTH}; with --engine: ${MAX_DETECTABLE_DOUBLING}`,
  },
  {
    name: 'tolerance',
    type: 'string',
    valueName: 'T',
    description: 'width in ỹ (with --engine: in the unit of --axis) at which each bisection stops, or 0 to bisect down to 4 ulps',
    defaultText: '0',
  },
  { name: 'json', type: 'boolean', description: 'print the result as JSON' },
  { name: 'help', type: 'boolean', description: 'print this help' },
];

/** Options of the engine mode. */
const ENGINE_MODE_OPTIONS: OptionSpec[] = [...ENGINE_OPTIONS, ...INITIALIZATION_OPTIONS];

/** Help text of the bifurcations command. */
export const BIFURCATIONS_HELP = `Usage: eos-atlas bifurcations [options]

Locates the period-doubling points ỹ_1 (1 → 2), ỹ_2 (2 → 4), … of gradient
descent on the UV model, in ỹ = η/η_c, on the EoS manifold q = 0, where
z = ηλ/2 follows z ← z(1 + ỹ − z)². Each point is a bisection on the sign of
Λ + 1, with Λ the multiplier of the cycle, in float64. Prints each point with
its error (half the final bracket plus a rounding estimate), the Feigenbaum
ratios δ_k, the extrapolated onset of chaos, the period-3 window and the
boundary crisis.

Options:
${formatOptionHelp(OPTIONS)}

Engine mode. With --engine gpu, df64 or cpu, the command locates the doublings
of any experiment, set with the options of "eos-atlas trajectory", on the WebGPU
engine (float32 or df64 kernels) or the float64 CPU engine. It evaluates batches of
trajectories across [--from, --to] of the rate parameter --axis and shrinks
the bracket of each change of the detected period from 2^(k−1) to 2^k about
(N + 1)-fold per round, N = --points, down to --tolerance or 4 ulps of the
parameter as the engine stores it (float32 or df64 on the GPU). Periods above 64 are
not detected, so k ≤ 6. Each point's error adds the detection band, measured
by a second run with T/2 steps, and the difference from where the Lyapunov
exponents of the old cycle extrapolate to a multiplier of −1. A period-2^(k−1)
region that ends in another state (divergence, chaos) is reported as a region
end, not as a doubling, and then no onset of chaos is extrapolated. It also
reports δ_k, the first chaotic orbit, the first period 3 and the first
divergence in the range, or why each was not found. Values are in the unit of
--axis: η, η/η_c = ỹ (needs y > 0) or c = ηλ₀.

Engine options:
${formatOptionHelp(ENGINE_MODE_OPTIONS)}

Examples:
  eos-atlas bifurcations --depth 10
  eos-atlas bifurcations --engine gpu --axis etaRatio --from 0.9 --to 2.1 --init explicit --f0 0.5 --lambda0 1
`;

/** Runs the command and returns its exit code. */
export async function runBifurcationsCommand(argv: string[], output: (text: string) => void): Promise<number> {
  const values = parseOptions(argv, [...OPTIONS, ...ENGINE_MODE_OPTIONS]);
  if (values.help) {
    output(BIFURCATIONS_HELP);
    return 0;
  }
  if (values.engine !== undefined) {
    return runEngineBifurcations(values, output);
  }
  const engineOnly = ENGINE_ONLY_OPTIONS.find((name) => values[name] !== undefined);
  if (engineOnly !== undefined) {
    throw new UsageError(`--${engineOnly} applies only with --engine gpu, df64 or cpu. Add --engine to search an experiment on an engine, or leave --${engineOnly} out for the manifold map.`);
  }
  const depth = parseNumber('depth', values.depth) ?? DEFAULT_DEPTH;
  if (!Number.isInteger(depth) || depth < 2 || depth > MAX_DEPTH) {
    throw new ValidationError('--depth', values.depth, `an integer from 2 to ${MAX_DEPTH}`);
  }
  const tolerance = parseNumber('tolerance', values.tolerance) ?? 0;
  if (!(tolerance >= 0 && tolerance < 0.1)) {
    throw new ValidationError('--tolerance', values.tolerance, 'a width in [0, 0.1), such as 1e-12');
  }
  const report = findBifurcations({ depth, tolerance });
  output(values.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
  return 0;
}

function formatValue(value: number, error: number): string {
  return `${value.toPrecision(17)} ± ${error.toExponential(1)}`;
}

/** Formats the report as a table followed by the onset of chaos, the window and the crisis. */
export function formatReport(report: BifurcationReport): string {
  const lines: string[] = [];
  lines.push('Period-doubling points on the EoS manifold (ỹ = η/η_c)');
  lines.push('');
  const header = ['k', 'period', 'ỹ_k ± error', 'bracket', 'δ_k ± error'];
  const rows = report.doublings.map((point) => {
    const ratio = report.ratios.find((candidate) => candidate.k === point.k);
    return [
      String(point.k),
      `${point.period / 2} → ${point.period}`,
      formatValue(point.yTilde, point.error),
      `[${point.bracket[0].toPrecision(17)}, ${point.bracket[1].toPrecision(17)}]`,
      ratio === undefined ? '' : `${ratio.delta.toFixed(9)} ± ${ratio.error.toExponential(1)}`,
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const formatRow = (row: string[]): string =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  lines.push(formatRow(header));
  for (const row of rows) {
    lines.push(formatRow(row));
  }
  lines.push('');
  lines.push('δ_k = (ỹ_k − ỹ_(k−1))/(ỹ_(k+1) − ỹ_k); Feigenbaum δ = 4.669201609');
  if (report.truncated !== undefined) {
    lines.push(`Stopped early: ${report.truncated}.`);
  }
  lines.push('');
  lines.push(`onset of chaos    ỹ_∞ = ${formatValue(report.accumulation.yTilde, report.accumulation.error)} (extrapolated with δ)`);
  lines.push(
    `period-3 window   ỹ = ${formatValue(report.firstPeriod3.yTilde, report.firstPeriod3.error)} (first, on the unimodal interval; tangent bifurcation; superstable 3-cycle at ${report.firstPeriod3.superstable.toPrecision(17)})`,
  );
  lines.push(
    `period-3 window   ỹ = ${formatValue(report.period3.yTilde, report.period3.error)} (second, where the map acts as a bimodal one; superstable 3-cycle at ${report.period3.superstable.toPrecision(17)})`,
  );
  lines.push(`boundary crisis   ỹ = ${formatValue(report.crisis.yTilde, report.crisis.error)} (exact value 2)`);
  const failed = report.hatChecks.filter((check) => check.detectedPeriod !== check.expectedPeriod);
  lines.push(
    failed.length === 0
      ? `(P̂, Q̂) check     the period detector finds the predicted period at all ${report.hatChecks.length} superstable parameters`
      : `(P̂, Q̂) check     period mismatch at ${failed.map((check) => `ỹ = ${check.yTilde} (expected ${check.expectedPeriod}, detected ${check.detectedPeriod})`).join(', ')}`,
  );
  return lines.join('\n') + '\n';
}
