/** Runs the eos-atlas command line in the test process and captures its output. */
import { vi } from 'vitest';
import { main } from '../../src/cli/main.ts';

/** Output of one command-line run. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `eos-atlas ARGS…` and returns its exit code, standard output and standard error. */
export async function runCli(args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(args, (text) => {
      stdout += text;
    });
    return { code, stdout, stderr };
  } finally {
    spy.mockRestore();
  }
}
