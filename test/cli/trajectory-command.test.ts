import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';


describe('eos-atlas trajectory', () => {
  it('reports a period-2 EoS orbit', async () => {
    const { code, stdout } = await runCli(['trajectory', '--eta-ratio', '1.2', '--steps', '2000']);
    expect(code).toBe(0);
    expect(stdout).toContain('phase        periodic, period 2');
    expect(stdout).toContain('η_c = 1');
  });

  it('prints JSON with --json', async () => {
    const { code, stdout } = await runCli(['trajectory', '--c', '2.7', '--sigma-w', '1.5', '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.experiment.learningRate).toBeCloseTo(0.6, 12);
    expect(result.analysis.phase).toBe('converged');
    expect(result.analysis.catapult).toBe(true);
  });

  it('writes the CSV of every step', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'eos-atlas-'));
    const path = join(folder, 'run.csv');
    const { code } = await runCli(['trajectory', '--steps', '10', '--csv', path]);
    expect(code).toBe(0);
    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('step,f,delta_f,lambda,lambda_hessian,loss');
    expect(lines).toHaveLength(12);
  });

  const invalid: Array<[string[], string]> = [
    [['--etta', '1'], "Unknown option '--etta'"],
    [['--eta', '1x'], 'Invalid --eta: "1x"'],
    [['--eta', '-1'], 'Invalid learning rate η (from --eta, --eta-ratio or --c): -1'],
    [['--width', '0'], 'Invalid --width: 0'],
    [['--init', 'explicit', '--f0', '3', '--lambda0', '1'], 'Invalid --f0: 3'],
    [['--f0', '0.5', '--lambda0', '2'], 'Expected --init explicit with --f0'],
    [['--seed', '4'], 'Expected --init sampled with --seed'],
    [['--init', 'explicit', '--f0', '0'], 'Invalid --lambda0'],
    [['--eta', '1', '--c', '2'], 'only one of --eta, --eta-ratio and --c'],
    [['--eta-ratio', '1', '--target', '-1'], 'a target y > 0'],
  ];
  for (const [args, message] of invalid) {
    it(`rejects ${args.join(' ')}`, async () => {
      const folder = await mkdtemp(join(tmpdir(), 'eos-atlas-'));
      const { code, stdout, stderr } = await runCli(['trajectory', ...args, '--csv', join(folder, 'out.csv')]);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain(message);
      expect(await readdir(folder)).toEqual([]);
    });
  }

  it('rejects an unwritable --csv without leftovers', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'eos-atlas-'));
    const { code, stderr } = await runCli(['trajectory', '--steps', '5', '--csv', folder]);
    expect(code).toBe(2);
    expect(stderr).toContain('Invalid --csv');
    expect(await readdir(tmpdir())).not.toContain(`${folder.split('/').at(-1)}.${process.pid}.tmp`);
  });

  it('lists commands for an unknown command', async () => {
    const { code, stderr } = await runCli(['plot']);
    expect(code).toBe(2);
    expect(stderr).toContain('Commands: trajectory, render');
  });

  it('documents every option in --help', async () => {
    const { code, stdout } = await runCli(['trajectory', '--help']);
    expect(code).toBe(0);
    for (const option of ['--width', '--parameterization', '--eta-ratio', '--c', '--seed', '--csv']) {
      expect(stdout).toContain(option);
    }
  });
});
