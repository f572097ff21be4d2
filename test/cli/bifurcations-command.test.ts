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
    expect(stdout).toContain('period-3 window   ỹ = 1.45044096');
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
    [['--steps', '10'], '--steps applies only with --engine gpu, df64 or cpu'],
    [['--samples', '2'], "Unknown option '--samples'"],
    [['--engine', 'tpu'], 'Invalid --engine: "tpu". Expected one of gpu, df64, cpu.'],
    [['--engine', 'cpu', '--axis', 'sigmaW'], 'Invalid --axis: "sigmaW". Expected one of eta, etaRatio, c.'],
    [['--engine', 'cpu', '--from', '0'], 'Invalid --from: "0". Expected a number > 0'],
    [['--engine', 'cpu', '--from', '1.5', '--to', '1.2'], 'Invalid --to: "1.2". Expected a number > --from = 1.5.'],
    [['--engine', 'cpu', '--axis', 'eta'], 'Invalid --from: undefined. Expected a value in the unit of --axis eta (η)'],
    [['--engine', 'cpu', '--depth', '7'], 'Invalid --depth: "7". Expected an integer from 1 to 6 with --engine'],
    [['--engine', 'cpu', '--steps', '100'], 'Invalid --steps: "100". Expected an integer ≥ 256.'],
    [['--engine', 'cpu', '--target', '0'], 'Invalid --target: "0". Expected a target y > 0 with --axis etaRatio'],
    [['--engine', 'cpu', '--width', '0'], 'Invalid --width: 0.'],
    [['--engine', 'cpu', '--scan', '2'], 'Invalid --scan: "2". Expected an integer ≥ 3.'],
    [['--engine', 'gpu', '--from', '1.3', '--to', '1.3000001'], 'Invalid --to: "1.3000001". Expected a value at least 1.91e-6 above --from = 1.3'],
    [['--engine', 'df64', '--from', '1.3', '--to', '1.3000000000001'], "Invalid --to: \"1.3000000000001\". Expected a value at least 9.09e-13 above --from = 1.3: the range must span 16 units of the parameter's df64 resolution"],
    [['--engine', 'cpu', '--from', '1.3', '--to', '1.3000000000000007'], "16 units of the parameter's float64 resolution, which --engine cpu computes in."],
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
    for (const text of ['--depth K', '(default: 8; with --engine: 6)', '--tolerance T', 'width in ỹ', '--json']) {
      expect(stdout).toContain(text);
    }
    for (const text of ['Engine options:', '--engine KIND', '--axis P', '--from V', 'in the unit of --axis', '--steps T', '(default: 8192)', '--init KIND']) {
      expect(stdout).toContain(text);
    }
  });

  // An experiment on the EoS manifold: the explicit start f₀ = mλ₀/(2|x|) has Q̂ = 0.
  const manifold = ['--init', 'explicit', '--f0', '0.5', '--lambda0', '1'];

  it('locates the cascade on the CPU engine', async () => {
    const args = ['bifurcations', '--engine', 'cpu', ...manifold, '--from', '0.9', '--to', '1.32', '--steps', '1024', '--scan', '64', '--depth', '3'];
    const { code, stdout, stderr } = await runCli(args);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toContain('located on the float64 CPU engine (in-thread), in η/η_c');
    expect(stdout).toContain('init = explicit (f₀ = 0.5, λ₀ = 1)');
    expect(stdout).toContain('η/η_c in [0.9, 1.32], 1024 steps (band run: 512 steps)');
    const rows = stdout.split('\n').filter((line) => /^\d\s/.test(line));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^1\s+1 → 2\s+0\.99\d* ± \S+\s+resolution/);
    expect(rows[1]).toMatch(/^2\s+2 → 4\s+1\.23\d* ± /);
    expect(stdout).toContain('\nThe requested depth k = 3 was reached.\n');
    // Every term of LocatedTransition.error.
    for (const term of ['half the final bracket', 'out-of-order extent', '4 units of the engine\'s resolution', '|step offset|', "half the T/2 run's final bracket", '|point − multiplier estimate|', "that estimate's error"]) {
      expect(stdout).toContain(term);
    }
    expect(stdout).toMatch(/\nonset of chaos {4}η\/η_c = 1\.3/);
    expect(stdout).not.toContain('_∞');
  }, 60_000);

  it('ends the typical start\'s cascade at its divergence', async () => {
    const { code, stdout } = await runCli(['bifurcations', '--engine', 'cpu']);
    expect(code).toBe(0);
    const rows = stdout.split('\n').filter((line) => /^\d\s/.test(line));
    expect(rows.map((row) => row.split(/\s{2,}/)[1])).toEqual(['1 → 2', '2 → 4']);
    expect(stdout).toMatch(/\nThe period-4 region ends in divergence at 1\.23606\d* ± \S+, not in period 8\.\n/);
    expect(stdout).toMatch(/\nregion end {8}η\/η_c = 1\.23606\d* ± \S+ \(the period-4 region ends in divergence, not in period 8; stop: resolution\)/);
    expect(stdout).not.toContain('onset of chaos    ');
    expect(stdout).toContain('not found         onset of chaos by extrapolation: the period-4 region ends in divergence');
    expect(stdout).toContain('(the first diverging orbit, just above period 4, so no boundary crisis; stop: resolution)');
    expect(stdout).not.toContain('the boundary crisis');
  }, 60_000);

  it('names the boundary crisis on the manifold', async () => {
    const args = ['bifurcations', '--engine', 'cpu', ...manifold, '--from', '1.9', '--to', '2.1', '--steps', '1024', '--scan', '32', '--depth', '1'];
    const { code, stdout } = await runCli(args);
    expect(code).toBe(0);
    expect(stdout).toMatch(/\ndivergence {8}η\/η_c = 2\.0000000\d* ± \S+ \(the boundary crisis: the first diverging orbit, just above a chaotic one; stop: resolution\)/);
  }, 60_000);

  it('lists the windows of the scan', async () => {
    // 300 samples over [1.35, 1.75] are 1.3e-3 apart: wide enough for the windows of period 5 near 1.39 and 3 near 1.45 and 1.70.
    const args = ['bifurcations', '--engine', 'cpu', ...manifold, '--from', '1.35', '--to', '1.75', '--steps', '2048', '--scan', '300', '--depth', '1'];
    const { code, stdout } = await runCli(args);
    expect(code).toBe(0);
    const line = stdout.split('\n').find((text) => text.startsWith('windows '));
    expect(line).toMatch(/5 at 1\.39/);
    expect(line).toMatch(/3 at 1\.45/);
    expect(line).toMatch(/3 at 1\.69|3 at 1\.70/);
  }, 60_000);

  it('reports a range that diverges from its low end', async () => {
    const { code, stdout } = await runCli(['bifurcations', '--engine', 'cpu', '--from', '1.3', '--to', '1.4', '--scan', '32', '--steps', '512']);
    expect(code).toBe(0);
    expect(stdout).not.toMatch(/\ndivergence {8}/);
    expect(stdout).toContain("not found         divergence: the orbit at the range's low end, 1.3, already diverges, so the divergence lies at or below 1.3 and is not located");
    expect(stdout).toContain('(no doubling located)');
  }, 60_000);

  it('prints the engine search as JSON', async () => {
    const args = ['bifurcations', '--engine', 'cpu', ...manifold, '--axis', 'eta', '--from', '1.1', '--to', '1.3', '--steps', '512', '--scan', '32', '--depth', '2', '--json'];
    const { code, stdout } = await runCli(args);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.axis).toBe('eta');
    expect(report.doublings.map((doubling: { k: number }) => doubling.k)).toEqual([2]);
    // μP with |x| = y = 1 has η_c = 1, so η = η/η_c.
    expect(Math.abs(report.doublings[0].value - 1.236)).toBeLessThan(0.01);
    expect(report.experiment.init).toEqual({ kind: 'explicit', f0: 0.5, lambda0: 1 });
  }, 60_000);

  it('appears in the command list', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/\n {2}bifurcations {2}locate the period-doubling cascade/);
  });
});
