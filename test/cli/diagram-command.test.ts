import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';
import { accumulateDiagram, createDiagram } from '../../src/core/bifurcation-diagram.ts';
import { consoleSink, setLogSink } from '../../src/core/logger.ts';
import { decodePngRgba, PNG_VIEW_KEY, readPngTexts } from '../../src/core/png.ts';
import { decodeAppState } from '../../src/core/url-state.ts';

beforeAll(() => {
  setLogSink({ info: () => undefined, warn: () => undefined });
});
afterAll(() => {
  setLogSink(consoleSink);
});

/** A small diagram of the cascade at σ_w = 0.5: 96 × 64 cells, 300 + 64 steps. */
const SMALL = ['--x', 'etaRatio,0.9,2.05', '--y', 'sigmaW,0.1,1', '--row', '0.5', '--cells', '96x64', '--transient', '300', '--recorded', '64'];

/** Reads a uint32 .npy file as the command writes it: a 128-byte header, then the counts. */
async function readCounts(path: string): Promise<{ header: string; counts: Uint32Array }> {
  const bytes = new Uint8Array(await readFile(path));
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint16(8, true);
  const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
  const data = bytes.slice(10 + headerLength);
  return { header, counts: new Uint32Array(data.buffer) };
}

describe('eos-atlas diagram', () => {
  it('writes the float64 counts on the CPU engine', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'eos-atlas-diagram-'));
    const npy = join(folder, 'counts.npy');
    const run = await runCli(['diagram', ...SMALL, '--engine', 'cpu', '--npy', npy]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`wrote ${npy}`);
    expect(run.stderr).toContain('computed in float64');
    const { header, counts } = await readCounts(npy);
    expect(header).toContain("'descr': '<u4'");
    expect(header).toContain("'shape': (64, 96)");
    const sidecar = JSON.parse(await readFile(join(folder, 'counts.json'), 'utf8'));
    expect(sidecar.fixed).toEqual({ parameter: 'sigmaW', value: 0.5 });
    expect(sidecar.x.columnCentres).toHaveLength(96);
    // The same diagram built by the core gives the same counts, bit for bit.
    const reference = accumulateDiagram(
      createDiagram({
        experiment: sidecar.experiment,
        x: { parameter: 'etaRatio', min: 0.9, max: 2.05, scale: 'linear' },
        fixed: { parameter: 'sigmaW', value: 0.5 },
        columns: 96,
        rows: 64,
        transient: 300,
        recorded: 64,
      }),
    );
    expect(Array.from(counts)).toEqual(Array.from(reference.counts));
    expect(sidecar.divergedPerColumn).toEqual(Array.from(reference.diverged));
  });

  it('writes a PNG that renders again', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'eos-atlas-diagram-'));
    const first = join(folder, 'first.png');
    const second = join(folder, 'second.png');
    expect((await runCli(['diagram', ...SMALL, '--tone', 'gamma', '--gamma', '0.3', '--invert', '--out', first])).code).toBe(0);
    const bytes = new Uint8Array(await readFile(first));
    const image = await decodePngRgba(bytes, (data) => inflateSync(data));
    expect([image.width, image.height]).toEqual([96, 64]);
    const state = decodeAppState(readPngTexts(bytes)[PNG_VIEW_KEY]!);
    expect(state.diagram).toMatchObject({ columns: 96, rows: 64, row: 0.5, transient: 300, recorded: 64, tone: { mapping: 'gamma', gamma: 0.3, invert: true } });
    expect((await runCli(['diagram', '--png', first, '--out', second])).code).toBe(0);
    const again = await decodePngRgba(new Uint8Array(await readFile(second)), (data) => inflateSync(data));
    expect(Buffer.from(again.rgba).equals(Buffer.from(image.rgba))).toBe(true);
  });

  it.each([
    [['--x', 'sigmaW,0.1,1', '--y', 'etaRatio,0.5,2'], '--x'],
    [['--quantity', 'energy'], '--quantity'],
    [['--range', '1,0'], '--range'],
    [['--cells', '10'], '--cells'],
    [['--cells', '0x10'], '--cells'],
    [['--transient', '-1'], '--transient or --recorded'],
    [['--cmap', 'phase'], '--tone, --gamma or --cmap'],
    [['--gamma', '0'], '--tone, --gamma or --cmap'],
  ])('rejects %j', async (args, option) => {
    const run = await runCli(['diagram', ...args, '--out', join(tmpdir(), 'unused.png')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`Invalid ${option}`);
  });

  it('rejects a diagram beyond the requested precision', async () => {
    const narrow = await runCli(['diagram', '--x', 'etaRatio,1.3,1.3000001', '--cells', '4096x64', '--recorded', '64', '--precision', 'float32', '--out', join(tmpdir(), 'unused.png')]);
    expect(narrow.code).toBe(2);
    expect(narrow.stderr).toContain('beyond the available precision (float32: neighbouring trajectories differ');
    const long = await runCli(['diagram', '--recorded', '1000', '--precision', 'float32', '--out', join(tmpdir(), 'unused.png')]);
    expect(long.code).toBe(2);
    expect(long.stderr).toContain('1000 recorded steps exceed the 64 that float32 draws');
  });

  it('names the option and the value of invalid diagram settings', async () => {
    const out = join(tmpdir(), 'unused.png');
    const cases: Array<[string[], string]> = [
      [['--x', 'sigmaW,0.1,2'], 'Invalid --x: "sigmaW,0.1,2". Expected a learning-rate parameter (eta, etaRatio, c)'],
      [['--cells', '0x5'], 'Invalid --cells: "0x5". Expected COLSxROWS with integers ≥ 1 (the columns are 0)'],
      [['--range', '3,0'], 'Invalid --range: "3,0". Expected MIN,MAX with MAX > MIN'],
    ];
    for (const [options, message] of cases) {
      const run = await runCli(['diagram', ...options, '--out', out]);
      expect(run.code, options.join(' ')).toBe(2);
      expect(run.stderr).toContain(message);
    }
  });

  it('needs an output', async () => {
    const run = await runCli(['diagram', ...SMALL]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Invalid --out');
  });
});
