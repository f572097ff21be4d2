/**
 * `eos-atlas trajectory`: runs one experiment on the float64 reference map and
 * prints its scales, initial state and analysis, optionally with every step as CSV.
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import { ValidationError } from '../core/errors.ts';
import {
  createExperiment,
  DEFAULT_EXPERIMENT,
  type Experiment,
  type ExperimentInput,
  type Initialization,
  type ParameterizationName,
} from '../core/experiment.ts';
import { initialPhysicalState } from '../core/initialization.ts';
import { experimentScales, typicalLambda0, yTilde } from '../core/quantities.ts';
import { simulateExperiment, type StateReadout } from '../core/trajectory.ts';
import { formatOptionHelp, parseNumber, parseOptions, type OptionSpec, INITIALIZATION_OPTIONS } from './options.ts';

const OPTIONS: OptionSpec[] = [
  { name: 'width', type: 'string', valueName: 'N', description: 'width n of the hidden layer', defaultText: String(DEFAULT_EXPERIMENT.width) },
  {
    name: 'parameterization',
    type: 'string',
    valueName: 'S',
    description: 'NTP (s = 0), muP (s = 1) or any s in [0, 1]',
    defaultText: 'muP',
  },
  { name: 'input-norm', type: 'string', valueName: 'X', description: 'input norm |x|', defaultText: '1' },
  { name: 'target', type: 'string', valueName: 'Y', description: 'target y', defaultText: '1' },
  { name: 'sigma-w', type: 'string', valueName: 'SIGMA', description: 'σ_w, sets σ_U = σ_v: weights start with variance σ²/n^s', defaultText: '1' },
  { name: 'sigma-u', type: 'string', valueName: 'SIGMA', description: 'σ_U of the first layer U', defaultText: '1' },
  { name: 'sigma-v', type: 'string', valueName: 'SIGMA', description: 'σ_v of the second layer v', defaultText: '1' },
  { name: 'eta', type: 'string', valueName: 'ETA', description: 'learning rate η', defaultText: String(DEFAULT_EXPERIMENT.learningRate) },
  { name: 'eta-ratio', type: 'string', valueName: 'R', description: 'learning rate as ỹ = η/η_c (needs y > 0); replaces --eta' },
  { name: 'c', type: 'string', valueName: 'C', description: 'learning rate as c = ηλ₀; replaces --eta' },
  { name: 'steps', type: 'string', valueName: 'T', description: 'gradient-descent steps', defaultText: String(DEFAULT_EXPERIMENT.steps) },
  ...INITIALIZATION_OPTIONS,
  { name: 'csv', type: 'string', valueName: 'FILE', description: 'write every step (f, Δf, λ, λ_H, loss) to FILE as CSV' },
  { name: 'json', type: 'boolean', description: 'print the result as JSON' },
  { name: 'help', type: 'boolean', description: 'print this help' },
];

/** Help text of the trajectory command. */
export const TRAJECTORY_HELP = `Usage: eos-atlas trajectory [options]

Runs gradient descent on the UV model f(x) = vᵀUx/m for one experiment, on the
exact two-variable reduction in float64, and prints the critical learning rate,
the initial state and the trajectory's phase, period, Lyapunov exponent and
sharpness readouts.

Options:
${formatOptionHelp(OPTIONS)}

Example:
  eos-atlas trajectory --parameterization muP --eta-ratio 1.2 --steps 2000
`;

/** Option that sets each experiment field, for error messages in the user's own terms. */
const OPTION_OF_FIELD: Record<string, string> = {
  width: '--width',
  parameterization: '--parameterization',
  inputNorm: '--input-norm',
  target: '--target',
  sigmaW: '--sigma-w',
  sigmaU: '--sigma-u',
  sigmaV: '--sigma-v',
  learningRate: 'learning rate η (from --eta, --eta-ratio or --c)',
  steps: '--steps',
  'init.f0': '--f0',
  'init.lambda0': '--lambda0',
  'init.seed': '--seed',
  'init.kind': '--init',
};

/** Builds the experiment that the options describe, with errors that name the options. */
export function experimentFromOptions(values: Record<string, string | boolean | undefined>): Experiment {
  try {
    return buildExperiment(values);
  } catch (error) {
    if (error instanceof ValidationError && OPTION_OF_FIELD[error.field] !== undefined) {
      throw new ValidationError(OPTION_OF_FIELD[error.field]!, error.value, error.allowed);
    }
    throw error;
  }
}

function buildExperiment(values: Record<string, string | boolean | undefined>): Experiment {
  const input: ExperimentInput = {
    width: parseNumber('width', values.width),
    inputNorm: parseNumber('input-norm', values['input-norm']),
    target: parseNumber('target', values.target),
    sigmaW: parseNumber('sigma-w', values['sigma-w']),
    sigmaU: parseNumber('sigma-u', values['sigma-u']),
    sigmaV: parseNumber('sigma-v', values['sigma-v']),
    steps: parseNumber('steps', values.steps),
  };
  const parameterization = values.parameterization;
  if (typeof parameterization === 'string') {
    const numeric = Number(parameterization);
    input.parameterization = parameterization.trim() !== '' && !Number.isNaN(numeric) ? numeric : (parameterization as ParameterizationName);
  }
  input.init = initializationFromOptions(values);

  // Validate everything but the learning rate first, so --eta-ratio and --c read valid scales.
  const rateOptions = (['eta', 'eta-ratio', 'c'] as const).filter((name) => values[name] !== undefined);
  if (rateOptions.length > 1) {
    throw new ValidationError(`--${rateOptions[1]}`, values[rateOptions[1]!], `only one of --eta, --eta-ratio and --c`);
  }
  const base = createExperiment({ ...input, learningRate: 1 });
  const rateOption = rateOptions[0];
  if (rateOption === 'eta-ratio') {
    const ratio = parseNumber('eta-ratio', values['eta-ratio'])!;
    const { etaCritical } = experimentScales(base);
    if (!(base.target > 0)) {
      throw new ValidationError('--eta-ratio', values['eta-ratio'], 'a target y > 0, because ỹ = η/η_c only then; use --eta');
    }
    input.learningRate = ratio * etaCritical;
  } else if (rateOption === 'c') {
    const c = parseNumber('c', values.c)!;
    const lambda0 = base.init.kind === 'typical' ? typicalLambda0(base) : initialPhysicalState(base).lambda;
    input.learningRate = c / lambda0;
  } else {
    input.learningRate = parseNumber('eta', values.eta);
  }
  return createExperiment(input);
}

function initializationFromOptions(values: Record<string, string | boolean | undefined>): Initialization | undefined {
  const kind = values.init;
  // Options of another kind would be ignored silently, so they are errors.
  const belongsTo: Record<string, string> = { f0: 'explicit', lambda0: 'explicit', seed: 'sampled' };
  for (const [option, owner] of Object.entries(belongsTo)) {
    if (values[option] !== undefined && (kind ?? 'typical') !== owner) {
      throw new ValidationError(`--${option}`, values[option], `--init ${owner} with --${option} (the initialization is "${kind ?? 'typical'}")`);
    }
  }
  switch (kind) {
    case undefined:
    case 'typical':
      return { kind: 'typical' };
    case 'explicit': {
      const f0 = parseNumber('f0', values.f0);
      const lambda0 = parseNumber('lambda0', values.lambda0);
      if (f0 === undefined || lambda0 === undefined) {
        throw new ValidationError(f0 === undefined ? '--f0' : '--lambda0', undefined, 'a value: --init explicit needs both --f0 and --lambda0');
      }
      return { kind: 'explicit', f0, lambda0 };
    }
    case 'sampled': {
      const seed = parseNumber('seed', values.seed);
      if (seed === undefined) {
        throw new ValidationError('--seed', undefined, 'a value: --init sampled needs --seed');
      }
      return { kind: 'sampled', seed };
    }
    default:
      throw new ValidationError('--init', kind, 'typical, explicit or sampled');
  }
}

/** Runs the command and returns its exit code. */
export async function runTrajectoryCommand(argv: string[], output: (text: string) => void): Promise<number> {
  const values = parseOptions(argv, OPTIONS);
  if (values.help) {
    output(TRAJECTORY_HELP);
    return 0;
  }
  const experiment = experimentFromOptions(values);
  const csvPath = typeof values.csv === 'string' ? values.csv : undefined;
  const run = simulateExperiment(experiment, { keepStates: csvPath !== undefined });
  const scales = experimentScales(experiment);
  const initial = initialPhysicalState(experiment);
  const summary = {
    experiment,
    scales: {
      m: scales.m,
      lambdaMin: scales.lambdaMin,
      etaCritical: scales.etaCritical,
      yTilde: yTilde(experiment),
      c: experiment.learningRate * initial.lambda,
    },
    initial: { f0: initial.f, lambda0: initial.lambda },
    analysis: run.analysis,
  };

  if (csvPath !== undefined) {
    try {
      await writeFileAtomically(csvPath, formatCsv(run.readouts ?? []));
    } catch (error) {
      throw new ValidationError('--csv', csvPath, `a writable file path (${(error as Error).message})`);
    }
  }
  if (values.json) {
    output(JSON.stringify(summary, null, 2) + '\n');
  } else {
    output(formatSummary(summary, csvPath));
  }
  return 0;
}

/** Writes to a temporary file, then renames it, so a failure leaves no partial file. */
async function writeFileAtomically(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, content);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

function formatCsv(readouts: StateReadout[]): string {
  const lines = ['step,f,delta_f,lambda,lambda_hessian,loss'];
  for (const row of readouts) {
    lines.push([row.step, row.f, row.residual, row.lambda, row.lambdaHessian, row.loss].join(','));
  }
  return lines.join('\n') + '\n';
}

function formatSummary(
  summary: {
    experiment: Experiment;
    scales: { m: number; lambdaMin: number; etaCritical: number; yTilde: number; c: number };
    initial: { f0: number; lambda0: number };
    analysis: ReturnType<typeof simulateExperiment>['analysis'];
  },
  csvPath: string | undefined,
): string {
  const { experiment: e, scales, initial, analysis: a } = summary;
  const g = (value: number) => String(Number(value.toPrecision(6)));
  const lines = [
    `experiment   n = ${e.width}, s = ${g(e.parameterization)}, |x| = ${g(e.inputNorm)}, y = ${g(e.target)}, σ_U = ${g(e.sigmaU)}, σ_v = ${g(e.sigmaV)}, init = ${e.init.kind}`,
    `rate         η = ${g(e.learningRate)}, η/η_c = ỹ = ${g(scales.yTilde)}, c = ηλ₀ = ${g(scales.c)}, steps = ${e.steps}`,
    `scales       m = ${g(scales.m)}, λ_min = ${g(scales.lambdaMin)}, η_c = ${g(scales.etaCritical)}, 2/η = ${g(2 / e.learningRate)}`,
    `initial      f₀ = ${g(initial.f0)}, λ₀ = ${g(initial.lambda0)}`,
    `phase        ${a.phase}${a.period > 0 ? `, period ${a.period}` : ''}`,
  ];
  if (a.phase === 'converged') {
    lines.push(`converged    at step ${a.convergenceStep}${a.catapult ? ', after a catapult' : ''}`);
  }
  if (a.phase === 'diverged') {
    lines.push(`diverged     at step ${a.divergenceStep}`);
  } else {
    lines.push(
      `sharpness    λ_final/λ₀ = ${g(a.sharpnessRatio)} (${a.sharpnessTrend}), late ηλ_H/2 in [${g(a.lateSharpnessMin)}, ${g(a.lateSharpnessMax)}]`,
      `dynamics     peak loss/initial loss = ${g(a.peakLossRatio)}, Lyapunov exponent = ${g(a.lyapunovExponent)} per step`,
    );
  }
  if (csvPath !== undefined) {
    lines.push(`wrote        ${csvPath}`);
  }
  return lines.join('\n') + '\n';
}
