/**
 * Setup shared by the end-to-end tests and scripts/screenshots.ts. A Vite dev
 * server on 127.0.0.1 serves the page from the working tree. Headless Chromium
 * runs WebGPU on SwiftShader (Chromium's CPU Vulkan driver), so the page's
 * WebGPU engine and canvas work on a machine with no GPU.
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** Chromium binary: Debian's `chromium` package unless EOS_ATLAS_CHROMIUM names another. */
export const CHROMIUM_PATH = process.env.EOS_ATLAS_CHROMIUM ?? '/usr/lib/chromium/chromium';

/**
 * Flags that make WebGPU compute and WebGPU canvases work headless on SwiftShader
 * (measured with Debian's chromium 150). With --use-angle=vulkan instead of
 * swiftshader, the canvas context loses its device.
 */
const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-angle=swiftshader',
  '--use-gl=angle',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
];

/** Viewport of every page: wide enough for the map and the side panel side by side. */
export const VIEWPORT = { width: 1280, height: 1400 };

/** Side of the phase map's canvas in CSS pixels (the default `size` of `<eos-phase-map>`). */
export const MAP_SIZE = 512;

/** Selector of the WebGPU canvas of the phase map. */
export const GPU_CANVAS = 'eos-phase-map canvas#gpu';

/** Selector of the 2D canvas that the phase map uses when the view has no WebGPU device. */
export const HOST_CANVAS = 'eos-phase-map canvas#host';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Records the last `image-drawn` event of the phase map in `window.eosDrawn` (see
 * DrawRecord in page-probe.ts). It runs before the page's own scripts, so no draw is
 * missed. It is a string, so the test runner's transforms never touch it.
 */
const DRAW_RECORDER = `
  document.addEventListener('image-drawn', (event) => {
    const map = event.composedPath()[0];
    window.eosDrawn = { image: map.image, layer: map.layer, count: (window.eosDrawn?.count ?? 0) + 1 };
  });
`;

/** The page server and the browser of one test file or script. */
export interface BrowserHarness {
  browser: Browser;
  server: ViteDevServer;
  /** Address of the page, for example http://127.0.0.1:41234/ */
  baseUrl: string;
  /** Closes every page that {@link openPage} opened. */
  closePages(): Promise<void>;
  /** Closes the pages, the browser and the server. */
  close(): Promise<void>;
}

/** A page opened by {@link openPage}, with the errors it reported. */
export interface OpenedPage {
  page: Page;
  context: BrowserContext;
  /** Uncaught exceptions and console errors of the page, in order. */
  errors: string[];
}

/**
 * Launches Chromium. Throws with the setup command when the binary is missing, so
 * the end-to-end tests fail with instructions instead of being skipped.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. The end-to-end tests in test/e2e drive Debian's chromium package. ` +
        'Install it as root with: bash scripts/setup-test-machine.sh (or set EOS_ATLAS_CHROMIUM to another Chromium binary).',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** Starts a Vite dev server for the repository on a free port of 127.0.0.1. */
export async function startPageServer(): Promise<{ server: ViteDevServer; baseUrl: string }> {
  const server = await createServer({
    root: repositoryRoot,
    logLevel: 'error',
    clearScreen: false,
    // No file watching: the tests serve the working tree as it is.
    server: { host: '127.0.0.1', port: 0, strictPort: true, watch: null },
  });
  await server.listen();
  const address = server.httpServer?.address() as AddressInfo | null | undefined;
  if (address === null || address === undefined || typeof address !== 'object') {
    await server.close();
    throw new Error('The Vite dev server did not report its port.');
  }
  return { server, baseUrl: `http://127.0.0.1:${address.port}/` };
}

/** Starts the page server and Chromium. */
export async function startBrowserHarness(): Promise<BrowserHarness> {
  const { server, baseUrl } = await startPageServer();
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (error) {
    await server.close();
    throw error;
  }
  return {
    browser,
    server,
    baseUrl,
    async closePages() {
      await Promise.all(browser.contexts().map((context) => context.close()));
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/**
 * Opens the page at `address`, a query such as `?res=128x128` or a whole URL of the
 * page server, in a fresh browser context. The device pixel ratio is 1, so one CSS
 * pixel of the map is one screenshot pixel.
 */
export async function openPage(harness: BrowserHarness, address = ''): Promise<OpenedPage> {
  const context = await harness.browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 });
  // The page has no icon, and the browser's request for one would log a 404 error.
  await context.route('**/favicon.ico', (route) => route.fulfill({ status: 204 }));
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`uncaught exception: ${error.stack ?? error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') {
      const location = message.location().url;
      errors.push(`console error: ${message.text()}${location === '' ? '' : ` (${location})`}`);
    }
  });
  await page.addInitScript(DRAW_RECORDER);
  await page.goto(new URL(address, harness.baseUrl).href);
  return { page, context, errors };
}

type Probe = typeof import('./page-probe.ts');
type ProbeFunction = {
  [K in keyof Probe]: Probe[K] extends (...args: never[]) => unknown ? K : never;
}[keyof Probe];

/**
 * Calls an export of page-probe.ts inside the page and returns its result. The call
 * is a string expression because the test runner rewrites `import()` in test code.
 */
export function callProbe<K extends ProbeFunction>(
  page: Page,
  name: K,
  ...args: Parameters<Probe[K]>
): Promise<Awaited<ReturnType<Probe[K]>>> {
  const expression = `import('/test/e2e/page-probe.ts').then((probe) => probe[${JSON.stringify(name)}](...${JSON.stringify(args)}))`;
  return page.evaluate(expression) as Promise<Awaited<ReturnType<Probe[K]>>>;
}

/** Waits until the full-resolution render of the page's current state is drawn. */
export function waitForCurrentRender(page: Page, timeoutMs = 90_000): Promise<void> {
  return callProbe(page, 'waitForCurrentRender', timeoutMs);
}

/** Waits until `locator` is visible. On timeout, throws an error that names `description`. */
export async function waitForVisible(locator: Locator, description: string, timeoutMs = 10_000): Promise<void> {
  try {
    await locator.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch (error) {
    throw new Error(`${description} did not appear within ${timeoutMs} ms.`, { cause: error });
  }
}

/** A decoded screenshot: RGBA, 4 bytes per pixel, row 0 at the top. */
export interface Screenshot {
  width: number;
  height: number;
  data: Buffer;
  png: Buffer;
}

/** Takes a screenshot of one element and decodes it. */
export async function screenshotOf(locator: Locator): Promise<Screenshot> {
  const png = await locator.screenshot({ animations: 'disabled', caret: 'hide', scale: 'css' });
  const decoded = PNG.sync.read(png);
  return { width: decoded.width, height: decoded.height, data: decoded.data, png };
}

/** One view pixel whose drawn colour differs from the expected one. */
export interface ColorMismatch {
  column: number;
  row: number;
  expected: [number, number, number];
  actual: [number, number, number];
}

/**
 * Compares, at the centre of every view pixel, the screenshot's colour with `expected`
 * (RGBA per view pixel, row 0 at the top). A channel matches within `tolerance` units.
 * The outermost ring of screenshot pixels is never sampled, because the phase map's
 * frame (an SVG rectangle stroked on the canvas edge) covers half of it.
 */
export function compareViewPixels(
  shot: Screenshot,
  expected: { columns: number; rows: number; rgba: ArrayLike<number> },
  tolerance: number,
): { compared: number; mismatches: ColorMismatch[] } {
  const mismatches: ColorMismatch[] = [];
  for (let row = 0; row < expected.rows; row++) {
    const y = clamp(Math.floor(((row + 0.5) * shot.height) / expected.rows), 1, shot.height - 2);
    for (let column = 0; column < expected.columns; column++) {
      const x = clamp(Math.floor(((column + 0.5) * shot.width) / expected.columns), 1, shot.width - 2);
      const source = 4 * (row * expected.columns + column);
      const target = 4 * (y * shot.width + x);
      const want: [number, number, number] = [expected.rgba[source]!, expected.rgba[source + 1]!, expected.rgba[source + 2]!];
      const got: [number, number, number] = [shot.data[target]!, shot.data[target + 1]!, shot.data[target + 2]!];
      if (want.some((value, channel) => Math.abs(value - got[channel]!) > tolerance)) {
        mismatches.push({ column, row, expected: want, actual: got });
      }
    }
  }
  return { compared: expected.columns * expected.rows, mismatches };
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/** Number of distinct RGB colours that each cover at least `minFraction` of a screenshot. */
export function countColors(shot: Screenshot, minFraction: number): number {
  const pixelsByColor = new Map<number, number>();
  for (let offset = 0; offset < shot.data.length; offset += 4) {
    const color = (shot.data[offset]! << 16) | (shot.data[offset + 1]! << 8) | shot.data[offset + 2]!;
    pixelsByColor.set(color, (pixelsByColor.get(color) ?? 0) + 1);
  }
  const minPixels = minFraction * shot.width * shot.height;
  return [...pixelsByColor.values()].filter((count) => count >= minPixels).length;
}

/** Number of pixels whose RGB differs between two screenshots of the same size. */
export function countDifferentPixels(first: Screenshot, second: Screenshot): number {
  if (first.width !== second.width || first.height !== second.height) {
    throw new Error(`Screenshots differ in size: ${first.width}×${first.height} and ${second.width}×${second.height}.`);
  }
  let different = 0;
  for (let offset = 0; offset < first.data.length; offset += 4) {
    if (
      first.data[offset] !== second.data[offset] ||
      first.data[offset + 1] !== second.data[offset + 1] ||
      first.data[offset + 2] !== second.data[offset + 2]
    ) {
      different++;
    }
  }
  return different;
}

/** Returns the text of every x and y tick label of the phase map. */
export async function tickLabels(page: Page): Promise<{ x: string[]; y: string[] }> {
  return {
    x: await page.locator('eos-phase-map text.x-tick').allTextContents(),
    y: await page.locator('eos-phase-map text.y-tick').allTextContents(),
  };
}

/** Time allowed to start the page server and the browser. */
const HARNESS_START_TIMEOUT = 120_000;

/**
 * Starts one page server and one browser for the calling test file, closes each
 * test's pages after it and everything after the file. Returns a getter for the harness.
 */
export function useBrowserHarness(): () => BrowserHarness {
  let harness: BrowserHarness | undefined;
  beforeAll(async () => {
    harness = await startBrowserHarness();
  }, HARNESS_START_TIMEOUT);
  afterEach(async () => {
    await harness?.closePages();
  });
  afterAll(async () => {
    await harness?.close();
  });
  return () => {
    if (harness === undefined) {
      throw new Error('The browser harness is not started: call useBrowserHarness() at the top level of the test file.');
    }
    return harness;
  };
}
