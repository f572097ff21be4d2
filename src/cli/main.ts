/**
 * Entry point of the `eos-atlas` command line.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValidationError } from '../core/errors.ts';
import { setLogSink } from '../core/logger.ts';
import { runBifurcationsCommand } from './bifurcations-command.ts';
import { runDiagramCommand } from './diagram-command.ts';
import { UsageError } from './options.ts';
import { runRenderCommand } from './render-command.ts';
import { runTrajectoryCommand } from './trajectory-command.ts';

const COMMANDS: Record<string, { summary: string; run: (argv: string[], output: (text: string) => void) => Promise<number> }> = {
  trajectory: { summary: 'run one experiment on the float64 reference map and analyze it', run: runTrajectoryCommand },
  render: { summary: 'render a phase diagram to PNG, NumPy .npy or CSV, or a sweep of them', run: runRenderCommand },
  diagram: { summary: 'render a bifurcation diagram to PNG or to its counts as NumPy .npy', run: runDiagramCommand },
  bifurcations: { summary: 'locate the period-doubling cascade, onset of chaos, period-3 windows and crisis', run: runBifurcationsCommand },
};

/** Width of the command-name column in the help: the longest name plus two spaces. */
const COMMAND_NAME_WIDTH = Math.max(...Object.keys(COMMANDS).map((name) => name.length)) + 2;

const MAIN_HELP = `Usage: eos-atlas COMMAND [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, command]) => `  ${name.padEnd(COMMAND_NAME_WIDTH)}${command.summary}`)
  .join('\n')}

Run "eos-atlas COMMAND --help" for the options of a command.
`;

/** Runs the command line and returns the process exit code: 0 on success, 2 on invalid input. */
export async function main(
  argv: string[],
  output: (text: string) => void = (text) => {
    process.stdout.write(text);
  },
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    output(MAIN_HELP);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`eos-atlas: unknown command "${name}". Commands: ${Object.keys(COMMANDS).join(', ')}.\n`);
    return 2;
  }
  try {
    return await command.run(rest, output);
  } catch (error) {
    if (error instanceof ValidationError || error instanceof UsageError) {
      process.stderr.write(`eos-atlas ${name}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}


// Run when executed directly (not when imported by the tests). Comparing paths, not
// URLs, keeps this true for checkouts whose path contains spaces or other escaped characters.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  // Engine logs go to stderr, so stdout carries only the command's own output.
  setLogSink({
    info: (scope, message) => process.stderr.write(`[eos-atlas ${scope}] ${message}\n`),
    warn: (scope, category, message) => process.stderr.write(`[eos-atlas ${scope}] ${category}: ${message}\n`),
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`eos-atlas: internal error: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
