import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';
import { writeFilesAtomically } from '../../src/cli/output-files.ts';
import { colorizeLayer } from '../../src/core/colormaps.ts';
import { ValidationError } from '../../src/core/errors.ts';
import { LAYER_NAMES } from '../../src/core/layers.ts';
import { consoleSink, setLogSink } from '../../src/core/logger.ts';
import { parseNpy } from '../../src/core/npy.ts';
import { decodePngRgba, encodePng, PNG_VERSION_KEY, PNG_VIEW_KEY, readPngTexts, type RgbaImage } from '../../src/core/png.ts';
import { decodeAppState, DEFAULT_APP_STATE, encodeAppState, type AppState } from '../../src/core/url-state.ts';
import { colorizeOptionsFor } from '../../src/core/colorize-options.ts';


// The engine logs its adapter on every render. The command's own stderr lines are what these tests check.
beforeAll(() => {
  setLogSink({ info: () => undefined, warn: () => undefined });
});
afterAll(() => {
  setLogSink(consoleSink);
});

const newFolder = (): Promise<string> => mkdtemp(join(tmpdir(), 'eos-atlas-render-'));

async function readPng(path: string): Promise<RgbaImage & { texts: Record<string, string> }> {
  const bytes = new Uint8Array(await readFile(path));
  return { ...(await decodePngRgba(bytes, (data) => inflateSync(data))), texts: readPngTexts(bytes) };
}

/** A small, quick view: 32 × 24 pixels of 200 steps. */
const SMALL = ['--res', '32x24', '--steps', '200'];

/**
 * A tiny view beyond float32: 16 × 8 pixels of 200 steps, η/η_c across 1e-6 at the
 * accumulation point 1.3022834 of the doubling cascade. Its pixels are 6.3e-8 apart,
 * 0.52 float32 ulps but about 1.1e6 df64 ulps.
 */
const DEEP = ['--res', '16x8', '--steps', '200', '--x', 'etaRatio,1.3022829,1.3022839'];

const packageVersion = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')).version as string;

describe('eos-atlas render', () => {
  let folder: string;
  let first: Awaited<ReturnType<typeof readPng>>;
  let firstStderr: string;

  beforeAll(async () => {
    folder = await newFolder();
    const result = await runCli(['render', ...SMALL, '--out', join(folder, 'first.png'), '--npy', join(folder, 'first.npy')]);
    expect(result.stderr).toContain('engine: ');
    expect(result.code).toBe(0);
    first = await readPng(join(folder, 'first.png'));
    firstStderr = result.stderr;
  });

  it('writes a PNG of the view size', () => {
    expect(first.width).toBe(32);
    expect(first.height).toBe(24);
    expect(first.rgba).toHaveLength(32 * 24 * 4);
  });

  it('stores the view and version in the PNG', () => {
    expect(first.texts[PNG_VERSION_KEY]).toBe(packageVersion);
    const state = decodeAppState(first.texts[PNG_VIEW_KEY]!);
    expect(state.view.columns).toBe(32);
    expect(state.view.rows).toBe(24);
    expect(state.view.experiment!.steps).toBe(200);
    expect(state.layer).toBe('phase');
  });

  it('colours the PNG like the page', async () => {
    const array = parseNpy(new Uint8Array(await readFile(join(folder, 'first.npy'))));
    const phase = array.data.slice(0, 32 * 24);
    const state = decodeAppState(first.texts[PNG_VIEW_KEY]!);
    expect(first.rgba).toEqual(new Uint8Array(colorizeLayer(phase, colorizeOptionsFor(state, phase))));
    // A phase diagram across η/η_c from 0.05 to 2.2 has both converged and diverged pixels.
    expect(new Set(phase).size).toBeGreaterThan(1);
  });

  it('colours a continuous layer like the page', async () => {
    const [png, npy] = [join(folder, 'lyapunov.png'), join(folder, 'lyapunov.npy')];
    expect((await runCli(['render', ...SMALL, '--layer', 'lyapunovExponent', '--out', png, '--npy', npy])).code).toBe(0);
    const image = await readPng(png);
    const state = decodeAppState(image.texts[PNG_VIEW_KEY]!);
    const pixels = 32 * 24;
    const layer = LAYER_NAMES.indexOf('lyapunovExponent');
    const values = parseNpy(new Uint8Array(await readFile(npy))).data.slice(layer * pixels, (layer + 1) * pixels);
    expect(state.colormap).toEqual({ map: 'blueRed', scale: 'symmetric' });
    expect(image.rgba).toEqual(new Uint8Array(colorizeLayer(values, colorizeOptionsFor(state, values))));
  });

  it('writes the npy sidecar', async () => {
    const sidecar = JSON.parse(await readFile(join(folder, 'first.json'), 'utf8'));
    expect(sidecar.data).toBe('first.npy');
    expect(sidecar.shape).toEqual([16, 24, 32]);
    expect(sidecar.query).toBe(first.texts[PNG_VIEW_KEY]);
    expect(sidecar.x.values).toHaveLength(32);
    expect(sidecar.y.values).toHaveLength(24);
    expect(sidecar.layers.map((layer: { name: string }) => layer.name)).toEqual([...LAYER_NAMES]);
    expect(sidecar.engine.description).not.toBe('');
    expect(sidecar.engine.arithmetic).toBe('float32');
  });

  it('prints the precision of the default view', () => {
    expect(firstStderr).toMatch(/^render: 32 × 24 pixels, 1 trajectory per pixel, 200 steps, computed in float32 on .+, in [\d.]+ s$/m);
  });

  it('renders a view beyond float32 in df64', async () => {
    const npy = join(folder, 'deep.npy');
    const { code, stderr } = await runCli(['render', ...DEEP, '--npy', npy]);
    expect(code).toBe(0);
    expect(stderr).toContain('200 steps, computed in df64 on ');
    const sidecar = JSON.parse(await readFile(join(folder, 'deep.json'), 'utf8'));
    expect(sidecar.engine.kind).toBe('webgpu');
    expect(sidecar.engine.arithmetic).toBe('df64');
    expect(sidecar.engine.precision.beyondFloat32).toBe(true);
    // auto is the default, so the query leaves the precision out.
    expect(sidecar.query).not.toContain('precision');
    const phase = parseNpy(new Uint8Array(await readFile(npy))).data.slice(0, 16 * 8);
    expect(phase.every((code) => Number.isFinite(code))).toBe(true);
  });

  it('renders in the --precision given', async () => {
    const [png, npy] = [join(folder, 'named-df64.png'), join(folder, 'named-df64.npy')];
    const { code, stderr } = await runCli(['render', '--res', '8x4', '--steps', '50', '--precision', 'df64', '--out', png, '--npy', npy]);
    expect(code).toBe(0);
    expect(stderr).toContain('computed in df64 on ');
    expect(JSON.parse(await readFile(join(folder, 'named-df64.json'), 'utf8')).engine.arithmetic).toBe('df64');
    const query = (await readPng(png)).texts[PNG_VIEW_KEY]!;
    expect(query).toMatch(/&precision=df64$/);
    expect(decodeAppState(query).debug.precision).toBe('df64');
  });

  it('renders --precision float64 on the CPU engine', async () => {
    const npy = join(folder, 'float64.npy');
    const { code, stderr } = await runCli(['render', '--res', '4x4', '--steps', '20', '--precision', 'float64', '--npy', npy]);
    expect(code).toBe(0);
    expect(stderr).toContain('computed in float64 by the float64 CPU engine (float64 requested)');
    const sidecar = JSON.parse(await readFile(join(folder, 'float64.json'), 'utf8'));
    expect(sidecar.engine.kind).toBe('cpu');
    expect(sidecar.engine.arithmetic).toBe('float64');
  });

  it('re-renders identical pixels from --png', async () => {
    const path = join(folder, 'again.png');
    const { code, stdout } = await runCli(['render', '--png', join(folder, 'first.png'), '--out', path]);
    expect(code).toBe(0);
    expect(stdout).toBe(`wrote ${path}\n`);
    const again = await readPng(path);
    expect(again.width).toBe(32);
    expect(again.rgba).toEqual(first.rgba);
    expect(again.texts[PNG_VIEW_KEY]).toBe(first.texts[PNG_VIEW_KEY]);
  });

  it('renders the same pixels from the page URL as from flags', async () => {
    const state: AppState = {
      ...structuredClone(DEFAULT_APP_STATE),
      layer: 'sharpnessRatio',
      colormap: { map: 'blueRed', scale: 'log' },
    };
    state.view.columns = 32;
    state.view.rows = 24;
    state.view.experiment!.steps = 200;
    const fromFlags = join(folder, 'flags.png');
    const fromUrl = join(folder, 'url.png');
    expect((await runCli(['render', ...SMALL, '--layer', 'sharpnessRatio', '--out', fromFlags])).code).toBe(0);
    expect((await runCli(['render', '--url', `http://127.0.0.1:5173/?${encodeAppState(state)}`, '--out', fromUrl])).code).toBe(0);
    const [flags, url] = [await readPng(fromFlags), await readPng(fromUrl)];
    expect(url.texts[PNG_VIEW_KEY]).toBe(encodeAppState(state));
    expect(flags.texts[PNG_VIEW_KEY]).toBe(url.texts[PNG_VIEW_KEY]);
    expect(url.rgba).toEqual(flags.rgba);
    expect(url.rgba).not.toEqual(first.rgba);
  });

  it('reads an AppState JSON file', async () => {
    const state = decodeAppState(first.texts[PNG_VIEW_KEY]!);
    await writeFile(join(folder, 'state.json'), JSON.stringify(state));
    const path = join(folder, 'from-json.png');
    expect((await runCli(['render', '--json', join(folder, 'state.json'), '--out', path])).code).toBe(0);
    expect((await readPng(path)).rgba).toEqual(first.rgba);
  });

  it('reads the view of an npy sidecar', async () => {
    const path = join(folder, 'from-sidecar.png');
    expect((await runCli(['render', '--json', join(folder, 'first.json'), '--out', path])).code).toBe(0);
    expect((await readPng(path)).rgba).toEqual(first.rgba);
  });

  it('lets later flags override a loaded view', async () => {
    const path = join(folder, 'override.png');
    const { code } = await runCli(['render', '--png', join(folder, 'first.png'), '--layer', 'lyapunovExponent', '--res', '16x12', '--out', path]);
    expect(code).toBe(0);
    const state = decodeAppState((await readPng(path)).texts[PNG_VIEW_KEY]!);
    expect(state.layer).toBe('lyapunovExponent');
    expect(state.colormap).toEqual({ map: 'blueRed', scale: 'symmetric' });
    expect(state.view.columns).toBe(16);
    expect(state.view.experiment!.steps).toBe(200);
  });

  it('upscales by an integer --scale', async () => {
    const path = join(folder, 'scaled.png');
    expect((await runCli(['render', '--png', join(folder, 'first.png'), '--scale', '3', '--out', path])).code).toBe(0);
    const scaled = await readPng(path);
    expect([scaled.width, scaled.height]).toEqual([96, 72]);
    for (const [x, y] of [
      [0, 0],
      [31, 0],
      [17, 11],
      [31, 23],
    ] as const) {
      const original = first.rgba.subarray(4 * (y * 32 + x), 4 * (y * 32 + x) + 4);
      for (const [dx, dy] of [
        [0, 0],
        [2, 2],
        [1, 2],
      ] as const) {
        const index = 4 * ((3 * y + dy) * 96 + 3 * x + dx);
        expect(scaled.rgba.subarray(index, index + 4)).toEqual(original);
      }
    }
  });

  it('writes the CSV with a header and a line per pixel', async () => {
    const path = join(folder, 'view.csv');
    expect((await runCli(['render', '--res', '4x3', '--steps', '50', '--csv', path])).code).toBe(0);
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines[0]).toBe(['column', 'row', 'etaRatio', 'sigmaW', ...LAYER_NAMES].join(','));
    expect(lines).toHaveLength(1 + 12);
    expect(lines[12]!.startsWith('3,2,')).toBe(true);
  });

  it('sweeps a parameter into predictable files', async () => {
    const out = join(folder, 'sweep');
    const { code, stdout, stderr } = await runCli(['render', '--res', '8x6', '--steps', '50', '--sweep', 'width=16,64', '--out-dir', out, '--formats', 'png,npy']);
    expect(stderr).not.toContain('Invalid');
    expect(code).toBe(0);
    const names = ['render-width-16.png', 'render-width-16.npy', 'render-width-16.json', 'render-width-64.png', 'render-width-64.npy', 'render-width-64.json'];
    expect((await readdir(out)).sort()).toEqual([...names].sort());
    expect(stdout.trimEnd().split('\n')).toEqual(names.map((name) => `wrote ${join(out, name)}`));
    for (const width of [16, 64]) {
      const state = decodeAppState((await readPng(join(out, `render-width-${width}.png`))).texts[PNG_VIEW_KEY]!);
      expect(state.view.experiment!.width).toBe(width);
    }
  });

  it('names sweep files with --name and preset values', async () => {
    const out = join(folder, 'named');
    const { code } = await runCli(['render', '--res', '4x4', '--steps', '20', '--sweep', 'parameterization=NTP,muP', '--out-dir', out, '--name', 'fig']);
    expect(code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['fig-parameterization-NTP.png', 'fig-parameterization-muP.png']);
  });

  it('documents every option in --help', async () => {
    const { code, stdout } = await runCli(['render', '--help']);
    expect(code).toBe(0);
    for (const option of ['--url', '--json', '--png', '--x P,MIN,MAX[,SCALE]', '--res COLSxROWS', '--samples', '--layer', '--cmap', '--cscale', '--cmin', '--cmax', '--out FILE.png', '--scale K', '--npy', '--csv', '--sweep', '--out-dir', '--formats', '--engine', '--precision P']) {
      expect(stdout).toContain(option);
    }
    expect(stdout).toContain('(default: 256x256)');
    expect(stdout).toContain('(default: etaRatio,0.05,2.2,linear)');
    for (const meaning of ['auto (the cheapest of float32, df64 and float64 that resolves the view)', 'about 44 bits', 'float64 (the CPU engine']) {
      expect(stdout).toContain(meaning);
    }
  });
});

/** Input PNGs with a malformed view, with no view, and with a damaged chunk. */
const inputs = await newFolder();
const pngWithBadView = join(inputs, 'bad-view.png');
const pngWithoutView = join(inputs, 'no-view.png');
const damagedPng = join(inputs, 'damaged.png');
{
  const encode = (texts: Record<string, string>): Promise<Uint8Array> => encodePng(new Uint8Array(4), 1, 1, texts, (data) => deflateSync(data));
  await writeFile(pngWithBadView, await encode({ [PNG_VIEW_KEY]: 'v=1&res=banana' }));
  await writeFile(pngWithoutView, await encode({ Comment: 'made elsewhere' }));
  const bytes = await encode({ [PNG_VIEW_KEY]: 'v=1' });
  // Byte 45 is inside the data of chunk 2, the iTXt chunk that starts at byte 33.
  bytes[45] = bytes[45]! ^ 0xff;
  await writeFile(damagedPng, bytes);
}

describe('eos-atlas render rejects', () => {
  const cases: Array<[string, string[], string]> = [
    ['an unknown option', ['--bogus', '1'], "Unknown option '--bogus'"],
    ['a zero resolution', ['--res', '0x10'], 'Invalid --res: "0x10"'],
    ['a malformed resolution', ['--res', '10'], 'Invalid --res: "10"'],
    ['a zero width', ['--width', '0'], 'Invalid --width: "0"'],
    ['an empty axis range', ['--x', 'etaRatio,2,1'], 'Invalid --x: "etaRatio,2,1"'],
    ['an unknown axis parameter', ['--x', 'lr,0.1,1'], 'Invalid --x'],
    ['a negative step count', ['--steps', '-5'], 'Invalid --steps: "-5"'],
    ['an unknown layer', ['--layer', 'phases'], 'Invalid --layer: "phases"'],
    ['a continuous map on the phase layer', ['--cmap', 'heat'], 'Invalid --cmap: "heat"'],
    ['cmin above cmax', ['--layer', 'sharpnessRatio', '--cmin', '2', '--cmax', '1'], 'Invalid --cmax: "1"'],
    ['a fractional scale', ['--scale', '1.5'], 'Invalid --scale: "1.5"'],
    ['a PNG above the pixel limit', ['--res', '1024x1024', '--scale', '9'], 'within 67108864 pixels'],
    ['a sweep PNG above the pixel limit', ['--res', '1024x1024', '--scale', '9', '--sweep', 'width=16'], 'within 67108864 pixels'],
    ['samples without sampled init', ['--samples', '4'], 'Invalid --samples: "4"'],
    ['an unknown engine', ['--engine', 'gpu'], 'Invalid --engine: "gpu"'],
    ['an unknown precision', ['--precision', 'double'], 'Invalid --precision: "double". Expected one of auto, float32, df64, float64.'],
    ['df64 on the CPU engine', ['--engine', 'cpu', '--precision', 'df64'], 'Invalid --precision: "df64". Expected auto or float64 with engine=cpu'],
    ['two view sources', ['--url', 'v=1', '--png', pngWithBadView], 'only one of --url, --json and --png'],
    ['an invalid URL key', ['--url', 'http://127.0.0.1:5173/?v=1&res=10'], '--url: Invalid res: "10"'],
    ['a loaded value that flags make invalid', ['--x', 'sigmaW,0.1,2'], 'The value comes from the defaults, and --y can replace it'],
    ['a PNG with a malformed view', ['--png', pngWithBadView], `--png ${pngWithBadView} (text "${PNG_VIEW_KEY}"): Invalid res: "banana"`],
    ['a PNG without a view', ['--png', pngWithoutView], 'only the text keywords Comment'],
    ['a damaged PNG', ['--png', damagedPng], 'Invalid PNG: chunk 2 (iTXt) at byte 33 has the CRC'],
    ['a missing PNG', ['--png', join(inputs, 'missing.png')], 'Expected a readable file'],
    ['a sweep of an axis parameter', ['--x', 'width,1,100', '--sweep', 'width=1,2'], 'the x axis sweeps width'],
    ['a sweep of η under a rate axis', ['--sweep', 'eta=0.5,1'], 'the x axis sweeps etaRatio'],
    ['a sweep of an unknown parameter', ['--sweep', 'depth=1,2'], 'PARAMETER one of width,'],
    ['a sweep with an invalid value', ['--sweep', 'width=16,0'], 'Invalid --sweep value width=0'],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const folder = await newFolder();
      const output = args.includes('--sweep') ? ['--out-dir', join(folder, 'out')] : ['--out', join(folder, 'out.png')];
      const { code, stdout, stderr } = await runCli(['render', ...SMALL, ...args, ...output]);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain(message);
      // Invalid input is reported before an engine starts.
      expect(stderr).not.toMatch(/^engine: /m);
      expect(await readdir(folder)).toEqual([]);
    });
  }

  it('a view beyond every precision', async () => {
    const folder = await newFolder();
    // 16 pixels across 1.3 to 1.300000000000001 (4 float64 ulps) are a quarter of an ulp apart.
    const { code, stdout, stderr } = await runCli(['render', '--res', '16x8', '--steps', '20', '--x', 'etaRatio,1.3,1.300000000000001', '--out', join(folder, 'out.png')]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('The view is beyond float64 precision: neighbouring pixels on the x axis are');
    expect(stderr).toContain('Widen the --x and --y ranges, or lower --res.');
    expect(stderr).not.toMatch(/^render: /m);
    expect(await readdir(folder)).toEqual([]);
  });

  it('--precision float32 beyond float32', async () => {
    const folder = await newFolder();
    const { code, stderr } = await runCli(['render', ...DEEP, '--precision', 'float32', '--out', join(folder, 'out.png')]);
    expect(code).toBe(2);
    expect(stderr).toContain('The view is beyond float32 precision');
    expect(stderr).toContain('render in df64 or float64');
    expect(stderr).toContain('--precision auto picks the cheapest precision');
    expect(await readdir(folder)).toEqual([]);
  });

  it('a sweep view beyond every precision before any render', async () => {
    const folder = await newFolder();
    const out = join(folder, 'out');
    const args = ['render', '--res', '16x8', '--steps', '20', '--x', 'etaRatio,1.3,1.300000000000001', '--sweep', 'width=16,64', '--out-dir', out];
    const { code, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stderr).toContain('width=16: The view is beyond float64 precision');
    expect(stderr).not.toMatch(/^width=16: 16 × 8 pixels/m);
    expect(await readdir(folder)).toEqual([]);
  });

  it('a sweep with --out', async () => {
    const folder = await newFolder();
    const { code, stderr } = await runCli(['render', ...SMALL, '--sweep', 'width=16', '--out-dir', join(folder, 'out'), '--out', join(folder, 'x.png')]);
    expect(code).toBe(2);
    expect(stderr).toContain('--out-dir cannot be combined with --out');
    expect(await readdir(folder)).toEqual([]);
  });

  it('a missing output', async () => {
    const { code, stderr } = await runCli(['render', ...SMALL]);
    expect(code).toBe(2);
    expect(stderr).toContain('Nothing to write');
  });

  it('an output in a folder that is a file', async () => {
    const folder = await newFolder();
    await writeFile(join(folder, 'file.txt'), 'x');
    const { code, stderr } = await runCli(['render', ...SMALL, '--out', join(folder, 'out.png'), '--npy', join(folder, 'file.txt', 'view.npy')]);
    expect(code).toBe(2);
    expect(stderr).toContain('Invalid --npy');
    expect(stderr).toContain('is not a folder');
    expect(await readdir(folder)).toEqual(['file.txt']);
  });

  it('an out-dir below a file', async () => {
    const folder = await newFolder();
    await writeFile(join(folder, 'file.txt'), 'x');
    const { code, stderr } = await runCli(['render', ...SMALL, '--sweep', 'width=16', '--out-dir', join(folder, 'file.txt', 'sweep')]);
    expect(code).toBe(2);
    expect(stderr).toContain('Invalid --out-dir');
    expect(stderr).toContain('file.txt is not a folder');
    expect(await readdir(folder)).toEqual(['file.txt']);
  });

  it('an output that is a folder', async () => {
    const folder = await newFolder();
    await mkdir(join(folder, 'sub'));
    const { code, stderr } = await runCli(['render', ...SMALL, '--csv', join(folder, 'sub')]);
    expect(code).toBe(2);
    expect(stderr).toContain('Invalid --csv');
    expect(await readdir(folder)).toEqual(['sub']);
    expect(await readdir(join(folder, 'sub'))).toEqual([]);
  });

  it('a sidecar that would replace the input', async () => {
    const folder = await newFolder();
    await writeFile(join(folder, 'state.json'), JSON.stringify(DEFAULT_APP_STATE));
    const { code, stderr } = await runCli(['render', ...SMALL, '--json', join(folder, 'state.json'), '--npy', join(folder, 'state.npy')]);
    expect(code).toBe(2);
    expect(stderr).toContain('Invalid --npy (sidecar)');
    expect(await readdir(folder)).toEqual(['state.json']);
  });

  it('a failed write without leftovers', async () => {
    const folder = await newFolder();
    const files = [
      { option: '--out', path: join(folder, 'a.png'), content: 'a' },
      { option: '--csv', path: join(folder, 'missing', 'b.csv'), content: 'b' },
    ];
    const error = await writeFilesAtomically(files).then(
      () => undefined,
      (rejection: unknown) => rejection,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain('Invalid --csv');
    expect(await readdir(folder)).toEqual([]);
  });
});
