import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';


describe('eos-atlas bifurcations', () => {
  it('prints the cascade table', async () => {
    const { code, stdout, stderr } = await runCli(['bifurcations', '--depth', '5']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const rows = stdout.split('\n').filter((line) => /^\d+\s/.test(line));
    expect(rows).toHaveLength(5);
    expect(rows[0]).toMatch(/^1\s+1 → 2\s+1\.0000000000000\d* ± /);
    expect(rows[1]).toMatch(/^2\s+2 → 4\s+1\.23606797749\d* ± .*4\.5429\d* ± /);
    expect(stdout).toContain('onset of chaos    ỹ_∞ = 1.3022');
    expect(stdout).toContain('period-3 window   ỹ = 1.69964');
    expect(stdout).toContain('boundary crisis   ỹ = 2.000000000000');
    expect(stdout).toContain('finds the predicted period at all');
  });

  it('prints JSON with --json', async () => {
    const { code, stdout } = await runCli(['bifurcations', '--depth', '4', '--tolerance', '1e-9', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.doublings).toHaveLength(4);
    expect(report.doublings[0].stop).toBe('tolerance');
    expect(report.ratios.map((ratio: { k: number }) => ratio.k)).toEqual([2, 3]);
    expect(Math.abs(report.crisis.yTilde - 2)).toBeLessThan(1e-9);
  });

  it('reports early stops when depth exceeds float64', async () => {
    const { code, stdout } = await runCli(['bifurcations', '--depth', '24']);
    expect(code).toBe(0);
    expect(stdout).toContain('Stopped early:');
  });

  const invalid: Array<[string[], string]> = [
    [['--depth', '1'], 'Invalid --depth: "1". Expected an integer from 2 to 24.'],
    [['--depth', '3.5'], 'Invalid --depth: "3.5"'],
    [['--depth', 'deep'], 'Invalid --depth: "deep"'],
    [['--tolerance', '-1e-9'], 'Invalid --tolerance: "-1e-9"'],
    [['--tolerance', '1'], 'Invalid --tolerance: "1"'],
    [['--steps', '10'], "Unknown option '--steps'"],
  ];
  for (const [args, message] of invalid) {
    it(`rejects ${args.join(' ')}`, async () => {
      const { code, stdout, stderr } = await runCli(['bifurcations', ...args]);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain(message);
    });
  }

  it('documents every option in --help', async () => {
    const { code, stdout } = await runCli(['bifurcations', '--help']);
    expect(code).toBe(0);
    for (const text of ['--depth K', '(default: 8)', '--tolerance T', 'width in ỹ', '--json']) {
      expect(stdout).toContain(text);
    }
  });

  it('appears in the command list', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/\n {2}bifurcations {2}locate the period-doubling cascade/);
  });
});
