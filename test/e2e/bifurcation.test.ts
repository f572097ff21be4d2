/**
 * End-to-end tests of the bifurcation-diagram panel: its counts against the
 * float64 reference, the link to the phase map's row and cursor, zoom, the
 * inspector and the PNG export.
 */
import { readFile } from 'node:fs/promises';
import { inflateSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { accumulateDiagram, createDiagram, decodeAppState, diagramStart, runHatTrajectory } from '../../src/core/index.ts';
import { findBifurcations } from '../../src/core/bifurcations.ts';
import { decodePngRgba, PNG_VIEW_KEY, readPngTexts } from '../../src/core/png.ts';
import { PNG_FIGURE_KEY } from '../../src/ui/export-diagram.ts';
import { callProbe, countColors, GPU_CANVAS, openPage, screenshotOf, useBrowserHarness, waitForCurrentRender } from './browser-harness.ts';

const TEST_TIMEOUT = 120_000;

const harness = useBrowserHarness();

/** The route-to-chaos view at 64 × 64 with a 256 × 128 diagram at σ_w = 0.5. */
const QUERY =
  '?T=1000&xa=etaRatio,0.9,2.05,linear&ya=sigmaW,0.1,1,linear&res=64x64&layer=period&cmap=period' +
  '&bq=hessianSharpness&by=0,3,linear&brow=0.5&bres=256x128&bsteps=1000,256&bsamples=1&btone=log,0.5,heat,0';

const DIAGRAM_CANVAS = 'eos-bifurcation-diagram canvas';

async function openDiagram(query = QUERY): Promise<{ page: Page; errors: string[] }> {
  const opened = await openPage(harness(), query);
  await waitForCurrentRender(opened.page);
  await callProbe(opened.page, 'waitForCurrentDiagram', 90_000);
  return opened;
}

function occupiedRows(counts: number[], columns: number, rows: number, column: number): number[] {
  const occupied: number[] = [];
  for (let row = 0; row < rows; row++) {
    if (counts[row * columns + column]! > 0) {
      occupied.push(row);
    }
  }
  return occupied;
}

describe('bifurcation diagram panel', () => {
  test(
    'counts match the float64 reference',
    async () => {
      const { page, errors } = await openDiagram();
      const shown = await callProbe(page, 'diagramCounts');
      expect(shown.engine).toBe('webgpu');
      const diagram = createDiagram(shown.diagram);
      expect(diagram.fixed).toEqual({ parameter: 'sigmaW', value: 0.5 });
      const reference = accumulateDiagram(diagram);
      let compared = 0;
      for (let column = 0; column < diagram.columns; column++) {
        const start = diagramStart(diagram, column)!;
        const period = runHatTrajectory(start, start.yTilde, diagram.transient + diagram.recorded).analysis.period;
        if (period === 0 || reference.diverged[column] !== 0) {
          continue;
        }
        // Periodic columns: the same rows within one (see test/gpu/bifurcation-diagram.test.ts for the tolerance).
        const gpuRows = occupiedRows(shown.counts, diagram.columns, diagram.rows, column);
        const expected = occupiedRows(Array.from(reference.counts), diagram.columns, diagram.rows, column);
        for (const row of gpuRows) {
          expect(expected.some((other) => Math.abs(other - row) <= 1), `column ${column}: row ${row} vs ${expected.join(',')}`).toBe(true);
        }
        for (const row of expected) {
          expect(gpuRows.some((other) => Math.abs(other - row) <= 1), `column ${column}: row ${row} vs ${gpuRows.join(',')}`).toBe(true);
        }
        compared += 1;
      }
      // η/η_c from 0.9 to the onset of chaos near 1.30: about 90 of the 256 columns are periodic.
      expect(compared).toBeGreaterThan(80);
      // The canvas shows the tone-mapped counts, not a blank area.
      expect(countColors(await screenshotOf(page.locator(DIAGRAM_CANVAS)), 0.001)).toBeGreaterThan(3);
      expect(errors).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  test(
    'follows the map row under the pointer',
    async () => {
      const { page } = await openDiagram();
      const box = (await page.locator(GPU_CANVAS).boundingBox())!;
      // Rest on the row at 80% of the map's height: σ_w near 0.1 + 0.2·0.9 = 0.28.
      await page.mouse.move(box.x + 0.3 * box.width, box.y + 0.8 * box.height);
      await page.waitForFunction(() => new URLSearchParams(location.search).get('brow') !== '0.5', undefined, { timeout: 10_000 });
      await callProbe(page, 'waitForCurrentDiagram', 90_000);
      const { state } = await callProbe(page, 'pageState');
      expect(state.diagram!.row!).toBeGreaterThan(0.25);
      expect(state.diagram!.row!).toBeLessThan(0.31);
      const shown = await callProbe(page, 'diagramCounts');
      expect(shown.diagram.fixed!.value).toBe(state.diagram!.row);
      // The pointer's x is drawn as a cursor on the diagram, and the diagram's row on the map.
      await expect.poll(() => page.locator('eos-bifurcation-diagram svg line.cursor').count()).toBe(1);
      expect(await page.locator('eos-phase-map svg line.row-mark').count()).toBe(1);

      // Over the diagram, the cursor moves to the phase map.
      const plot = (await page.locator(DIAGRAM_CANVAS).boundingBox())!;
      await page.mouse.move(plot.x + 0.5 * plot.width, plot.y + 0.5 * plot.height);
      await expect.poll(() => page.locator('eos-phase-map svg line.cursor').count()).toBe(1);
    },
    TEST_TIMEOUT,
  );

  test(
    'zooms by box and returns to the map range',
    async () => {
      const { page } = await openDiagram();
      const plot = (await page.locator(DIAGRAM_CANVAS).boundingBox())!;
      await page.keyboard.down('Shift');
      await page.mouse.move(plot.x + 0.25 * plot.width, plot.y + 0.2 * plot.height);
      await page.mouse.down();
      await page.mouse.move(plot.x + 0.5 * plot.width, plot.y + 0.8 * plot.height, { steps: 5 });
      await page.mouse.up();
      await page.keyboard.up('Shift');
      await page.waitForFunction(() => new URLSearchParams(location.search).has('bx'), undefined, { timeout: 10_000 });
      await callProbe(page, 'waitForCurrentDiagram', 90_000);
      let { state } = await callProbe(page, 'pageState');
      // The box spans a quarter of the x axis from a quarter of the way: η/η_c from 1.1875 to 1.475.
      expect(state.diagram!.x!.min).toBeCloseTo(0.9 + 0.25 * 1.15, 2);
      expect(state.diagram!.x!.max).toBeCloseTo(0.9 + 0.5 * 1.15, 2);
      expect(state.diagram!.y.min).toBeCloseTo(0.6, 1);
      expect(state.diagram!.y.max).toBeCloseTo(2.4, 1);

      await page.locator('eos-bifurcation-panel button', { hasText: 'follow map x range' }).click();
      await page.waitForFunction(() => !new URLSearchParams(location.search).has('bx'), undefined, { timeout: 10_000 });
      ({ state } = await callProbe(page, 'pageState'));
      expect(state.diagram!.x).toBeUndefined();
    },
    TEST_TIMEOUT,
  );

  test(
    'opens the inspector for a clicked column',
    async () => {
      const { page } = await openDiagram();
      const plot = (await page.locator(DIAGRAM_CANVAS).boundingBox())!;
      await page.mouse.click(plot.x + 0.2 * plot.width, plot.y + 0.5 * plot.height);
      const experiment = await page.waitForFunction(
        () => document.querySelector('eos-atlas-app')?.shadowRoot?.querySelector('eos-trajectory-inspector')?.experiment ?? null,
        undefined,
        { timeout: 10_000 },
      );
      const value = (await experiment.jsonValue()) as { sigmaU: number; learningRate: number };
      expect(value.sigmaU).toBe(0.5);
      // Column 51 of 256 across η/η_c ∈ [0.9, 2.05] in μP with |x| = y = 1, where η = η/η_c.
      expect(value.learningRate).toBeCloseTo(0.9 + (51.5 / 256) * 1.15, 10);
    },
    TEST_TIMEOUT,
  );

  test(
    'exports a PNG that reopens the diagram',
    async () => {
      const { page, errors } = await openDiagram();
      const panel = page.locator('eos-bifurcation-panel');
      await panel.locator('input[name="exportWidth"]').fill('200');
      await panel.locator('input[name="exportHeight"]').fill('100');
      await panel.locator('input[name="exportDecorations"]').setChecked(false);
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: 90_000 }), panel.locator('button', { hasText: 'Export PNG' }).click()]);
      const file = new Uint8Array(await readFile(await download.path()));
      const image = await decodePngRgba(file, (data) => inflateSync(data));
      expect(image.width).toBe(200);
      expect(image.height).toBe(100);
      const texts = readPngTexts(file);
      expect(texts[PNG_FIGURE_KEY]).toBe('bifurcation-diagram');
      const state = decodeAppState(texts[PNG_VIEW_KEY]!);
      expect(state.diagram).toMatchObject({ columns: 200, rows: 100, row: 0.5, quantity: 'hessianSharpness' });
      expect(errors).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  test(
    'locates doublings and zooms to the next',
    async () => {
      // The explicit start at the edge of the wedge has Q̂ = 0, so its orbit is the manifold map's.
      const { page, errors } = await openDiagram(`${QUERY}&init=explicit&f0=0.5&lambda0=1`);
      const panel = page.locator('eos-bifurcation-panel');
      await panel.locator('button', { hasText: 'locate doublings' }).click();
      await panel.locator('table.doublings').waitFor({ timeout: 90_000 });
      const rows = await panel.locator('table.doublings tbody tr').allTextContents();
      expect(rows).toHaveLength(6);
      const exact = findBifurcations({ depth: 6, skipHatChecks: true }).doublings;
      for (let k = 1; k <= 3; k++) {
        const cells = await panel.locator(`table.doublings tbody tr:nth-child(${k}) td`).allTextContents();
        const [value, error] = cells[2]!.split('±').map((text) => Number(text.trim()));
        expect(Math.abs(value! - exact[k - 1]!.yTilde), `k = ${k}: ${cells[2]}`).toBeLessThanOrEqual(error!);
      }
      // The points are drawn on the diagram with the period they open.
      expect(await page.locator('eos-bifurcation-diagram .mark-label').allTextContents()).toEqual(expect.arrayContaining(['2', '4', '8', '3', 'diverges']));

      await panel.locator('button', { hasText: 'zoom to next doubling' }).click();
      await page.waitForFunction(() => new URLSearchParams(location.search).has('bx'), undefined, { timeout: 60_000 });
      const { state } = await callProbe(page, 'pageState');
      // The frame is centred on the doubling 2 → 4 at ỹ₂ = √5 − 1, half the gap to ỹ₁ = 1 on each side.
      const x = state.diagram!.x!;
      expect((x.min + x.max) / 2).toBeCloseTo(Math.sqrt(5) - 1, 2);
      expect(x.max - x.min).toBeCloseTo(Math.sqrt(5) - 2, 2);
      await expect.poll(() => panel.locator('.finder').textContent()).toMatch(/Framed the doubling 2 → 4/);
      expect(errors).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  test(
    'explains a map without a learning-rate x axis',
    async () => {
      const { page } = await openPage(harness(), '?xa=sigmaW,0.1,1,linear&ya=etaRatio,0.5,2,linear&res=32x32&bq=ntkSharpness');
      await waitForCurrentRender(page);
      await expect.poll(() => page.locator('eos-bifurcation-panel .error').textContent()).toMatch(/learning-rate parameter on the phase map's x axis/);
    },
    TEST_TIMEOUT,
  );
});
