/**
 * Command-line option parsing shared by the eos-atlas commands: each option is
 * declared once with its unit and default, which also generates the help text.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ValidationError } from '../core/errors.ts';

/** One command-line option. */
export interface OptionSpec {
  /** Long name, without the leading dashes. */
  name: string;
  type: 'string' | 'boolean';
  /** Help text: what the option sets, with its unit. */
  description: string;
  /** Default shown in the help, or undefined when the option is off or required. */
  defaultText?: string;
  /** Placeholder in the help, e.g. `N` or `FILE`. */
  valueName?: string;
}

/** Parses `argv` strictly: unknown options and stray positional arguments are errors. */
export function parseOptions(argv: string[], specs: OptionSpec[]): Record<string, string | boolean | undefined> {
  const options: NonNullable<ParseArgsConfig['options']> = Object.fromEntries(
    specs.map((spec) => [spec.name, { type: spec.type }]),
  );
  // parseArgs reads "--target -1" as two options, so negative numbers are joined to their flag.
  const stringOptions = new Set(specs.filter((spec) => spec.type === 'string').map((spec) => `--${spec.name}`));
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (stringOptions.has(argv[i]!) && next !== undefined && /^-\.?\d/.test(next)) {
      args.push(`${argv[i]}=${next}`);
      i++;
    } else {
      args.push(argv[i]!);
    }
  }
  try {
    const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
    return values as Record<string, string | boolean | undefined>;
  } catch (error) {
    // parseArgs errors name the offending option, e.g. "Unknown option '--etta'".
    throw new UsageError(`${(error as Error).message}. Run with --help to list the options.`);
  }
}

/** Error in the command line itself (unknown option, missing value). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parses a numeric option, rejecting empty strings and trailing garbage such as `1.2x`. */
export function parseNumber(option: string, raw: string | boolean | undefined): number | undefined {
  if (raw === undefined || typeof raw === 'boolean') {
    return undefined;
  }
  const trimmed = raw.trim();
  const value = trimmed === '' ? NaN : Number(trimmed);
  if (Number.isNaN(value)) {
    throw new ValidationError(`--${option}`, raw, 'a number such as 0.5, 2e-3 or 1024');
  }
  return value;
}

/** Formats the option table of a command's help text. */
export function formatOptionHelp(specs: OptionSpec[]): string {
  const rows = specs.map((spec) => {
    const flag = spec.type === 'boolean' ? `--${spec.name}` : `--${spec.name} ${spec.valueName ?? 'X'}`;
    const suffix = spec.defaultText === undefined ? '' : ` (default: ${spec.defaultText})`;
    return [flag, `${spec.description}${suffix}`] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return rows.map(([flag, text]) => `  ${flag.padEnd(width)}${text}`).join('\n');
}

/** Options that choose the initialization, shared by the commands that build an experiment. */
export const INITIALIZATION_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'init',
    type: 'string',
    valueName: 'KIND',
    description: 'typical (f₀ = 0, λ₀ = |x|²(σ_U² + σ_v²)), explicit (needs --f0, --lambda0) or sampled (needs --seed)',
    defaultText: 'typical',
  },
  { name: 'f0', type: 'string', valueName: 'F', description: 'initial output f₀ for --init explicit' },
  { name: 'lambda0', type: 'string', valueName: 'L', description: 'initial NTK eigenvalue λ₀ for --init explicit' },
  { name: 'seed', type: 'string', valueName: 'N', description: 'seed of the finite-width draws for --init sampled' },
];
