/**
 * End-to-end tests of the phase map in headless Chromium: the drawn pixels, wheel
 * zoom and the zoom history, picking a pixel, and restoring a view from its link.
 * browser-harness.ts starts the page server and the browser.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import {
  callProbe,
  compareViewPixels,
  countColors,
  countDifferentPixels,
  GPU_CANVAS,
  MAP_SIZE,
  openPage,
  screenshotOf,
  useBrowserHarness,
  tickLabels,
  waitForCurrentRender,
  waitForVisible,
} from './browser-harness.ts';

const TEST_TIMEOUT = 120_000;

/** Largest difference per colour channel between the drawn and the expected colour (compositor rounding). */
const COLOR_TOLERANCE = 2;

const harness = useBrowserHarness();

/** Returns the query parameters of the page's address. */
function queryOf(page: Page): URLSearchParams {
  return new URL(page.url()).searchParams;
}

/**
 * Waits until the address's `xa` differs from `xa` (the page writes its state with
 * history.replaceState). `action` names what should have changed it.
 */
async function waitForNewXAxis(page: Page, xa: string | null, action: string): Promise<void> {
  try {
    await page.waitForFunction((previous) => new URLSearchParams(location.search).get('xa') !== previous, xa, { timeout: 10_000 });
  } catch (error) {
    throw new Error(`The address's xa stayed ${xa} for 10 s after ${action}.`, { cause: error });
  }
}

/** Parses an axis of the address (`parameter,min,max,scale`). */
function parseAxis(text: string | null): { parameter: string; min: number; max: number; scale: string } {
  const [parameter = '', min = '', max = '', scale = ''] = (text ?? '').split(',');
  return { parameter, min: Number(min), max: Number(max), scale };
}

describe('phase map', { timeout: TEST_TIMEOUT }, () => {
  test('default view matches the CPU colours', async () => {
    const { page, errors } = await openPage(harness());
    // Reload with a recorder of the status text and the render state at every frame,
    // installed before the page's own scripts run.
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { statusSamples: string[] }).statusSamples = seen;
      const sample = (): void => {
        const app = document.querySelector('eos-atlas-app') as HTMLElement | null;
        const status = app?.shadowRoot?.querySelector('.status')?.textContent;
        if (status !== undefined && status !== null) {
          seen.push(`${status}/${app!.dataset.render ?? ''}`);
        }
        requestAnimationFrame(sample);
      };
      requestAnimationFrame(sample);
    });
    await page.reload();
    await waitForCurrentRender(page);
    await page.waitForFunction(() => document.querySelector('eos-atlas-app')?.shadowRoot?.querySelector('.status')?.textContent === 'ready', undefined, {
      timeout: 10_000,
    });
    // "ready" shows only once the full-resolution picture is drawn.
    const samples = await page.evaluate(() => (window as unknown as { statusSamples: string[] }).statusSamples);
    expect(samples.some((entry) => entry.startsWith('ready/')), 'status samples').toBe(true);
    expect(samples.filter((entry) => entry.startsWith('ready/') && entry !== 'ready/complete')).toEqual([]);

    const expected = await callProbe(page, 'expectedLayerColors');
    expect(expected.layer).toBe('phase');
    expect([expected.columns, expected.rows]).toEqual([256, 256]);

    const shot = await screenshotOf(page.locator(GPU_CANVAS));
    expect([shot.width, shot.height]).toEqual([MAP_SIZE, MAP_SIZE]);
    const { compared, mismatches } = compareViewPixels(shot, expected, COLOR_TOLERANCE);
    expect(compared).toBe(256 * 256);
    expect(mismatches.slice(0, 5), `${mismatches.length} of ${compared} view pixels differ`).toEqual([]);

    // Not blank: the default view crosses the main phases, each drawn in its own colour.
    const { phases } = await callProbe(page, 'phaseNames');
    const phaseSet = new Set(phases);
    for (const phase of ['converged', 'periodic', 'chaotic', 'diverged']) {
      expect(phaseSet, `phase ${phase} in the default view`).toContain(phase);
    }
    expect(countColors(shot, 0.01), 'colours covering at least 1 % of the map').toBeGreaterThanOrEqual(4);
    expect(errors).toEqual([]);
  });

  test('wheel zoom changes axes, picture and history', async () => {
    const { page, errors } = await openPage(harness(), '?res=128x128');
    await waitForCurrentRender(page);
    const canvas = page.locator(GPU_CANVAS);
    const before = {
      ticks: await tickLabels(page),
      query: queryOf(page),
      shot: await screenshotOf(canvas),
    };
    expect(before.query.get('hist')).toBeNull();

    // Zoom in about a point a quarter across and 40 % down the map.
    const box = (await canvas.boundingBox())!;
    const pointer = { x: 0.25, y: 0.4 };
    await page.mouse.move(box.x + pointer.x * box.width, box.y + pointer.y * box.height);
    await page.mouse.wheel(0, -300);
    await waitForNewXAxis(page, before.query.get('xa'), 'the wheel zoom');
    await waitForCurrentRender(page);

    const after = {
      ticks: await tickLabels(page),
      query: queryOf(page),
      shot: await screenshotOf(canvas),
    };
    expect(after.ticks.x).not.toEqual(before.ticks.x);
    expect(after.ticks.y).not.toEqual(before.ticks.y);
    expect(after.query.get('xa')).not.toBe(before.query.get('xa'));
    expect(after.query.get('ya')).not.toBe(before.query.get('ya'));
    expect(after.query.get('hist')).toBe(`${before.query.get('xa')}:${before.query.get('ya')}`);

    // Zooming in narrows both ranges and keeps the value under the pointer in place.
    const oldX = parseAxis(before.query.get('xa'));
    const newX = parseAxis(after.query.get('xa'));
    const oldY = parseAxis(before.query.get('ya'));
    const newY = parseAxis(after.query.get('ya'));
    expect(newX.max - newX.min).toBeLessThan(0.9 * (oldX.max - oldX.min));
    expect(newY.max - newY.min).toBeLessThan(0.9 * (oldY.max - oldY.min));
    const onePixelX = (oldX.max - oldX.min) / MAP_SIZE;
    const onePixelY = (oldY.max - oldY.min) / MAP_SIZE;
    expect(Math.abs(newX.min + pointer.x * (newX.max - newX.min) - (oldX.min + pointer.x * (oldX.max - oldX.min)))).toBeLessThan(onePixelX);
    expect(Math.abs(newY.max - pointer.y * (newY.max - newY.min) - (oldY.max - pointer.y * (oldY.max - oldY.min)))).toBeLessThan(onePixelY);

    // The new picture is the render of the new view, not the old one stretched.
    expect(countDifferentPixels(before.shot, after.shot)).toBeGreaterThan(0.05 * MAP_SIZE * MAP_SIZE);
    const zoomed = compareViewPixels(after.shot, await callProbe(page, 'expectedLayerColors'), COLOR_TOLERANCE);
    expect(zoomed.mismatches.slice(0, 5), `${zoomed.mismatches.length} view pixels differ after the zoom`).toEqual([]);

    // '[' goes back to the original axes and picture.
    await canvas.focus();
    await page.keyboard.press('[');
    await waitForNewXAxis(page, after.query.get('xa'), "pressing '[' (back)");
    await waitForCurrentRender(page);
    const back = {
      ticks: await tickLabels(page),
      query: queryOf(page),
      shot: await screenshotOf(canvas),
    };
    expect(back.ticks).toEqual(before.ticks);
    expect(back.query.get('xa')).toBe(before.query.get('xa'));
    expect(back.query.get('ya')).toBe(before.query.get('ya'));
    expect(back.query.get('hist')).toBeNull();
    expect(back.query.get('fut')).toBe(`${after.query.get('xa')}:${after.query.get('ya')}`);
    expect(countDifferentPixels(before.shot, back.shot)).toBe(0);
    expect(errors).toEqual([]);
  });

  test('box zoom and drag pan set the axes', async () => {
    const { page, errors } = await openPage(harness(), '?res=64x64');
    await waitForCurrentRender(page);
    const canvas = page.locator(GPU_CANVAS);
    const box = (await canvas.boundingBox())!;
    const at = (x: number, y: number) => ({ x: box.x + x * box.width, y: box.y + y * box.height });
    const oldX = parseAxis(queryOf(page).get('xa'));
    const oldY = parseAxis(queryOf(page).get('ya'));

    // Shift-drag from (20 %, 30 %) to (60 %, 80 %) of the map: the box becomes the view.
    await page.keyboard.down('Shift');
    await page.mouse.move(at(0.2, 0.3).x, at(0.2, 0.3).y);
    await page.mouse.down();
    await page.mouse.move(at(0.6, 0.8).x, at(0.6, 0.8).y, { steps: 5 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    await waitForNewXAxis(page, `${oldX.parameter},${oldX.min},${oldX.max},${oldX.scale}`, 'the box zoom');
    const boxX = parseAxis(queryOf(page).get('xa'));
    const boxY = parseAxis(queryOf(page).get('ya'));
    const onePixelX = (oldX.max - oldX.min) / MAP_SIZE;
    const onePixelY = (oldY.max - oldY.min) / MAP_SIZE;
    expect(Math.abs(boxX.min - (oldX.min + 0.2 * (oldX.max - oldX.min)))).toBeLessThan(2 * onePixelX);
    expect(Math.abs(boxX.max - (oldX.min + 0.6 * (oldX.max - oldX.min)))).toBeLessThan(2 * onePixelX);
    expect(Math.abs(boxY.max - (oldY.max - 0.3 * (oldY.max - oldY.min)))).toBeLessThan(2 * onePixelY);
    expect(Math.abs(boxY.min - (oldY.max - 0.8 * (oldY.max - oldY.min)))).toBeLessThan(2 * onePixelY);
    await waitForCurrentRender(page);

    // A plain drag of a quarter of the map to the left moves the x range right by a quarter of its width.
    await page.mouse.move(at(0.6, 0.5).x, at(0.6, 0.5).y);
    await page.mouse.down();
    await page.mouse.move(at(0.35, 0.5).x, at(0.35, 0.5).y, { steps: 5 });
    await page.mouse.up();
    await waitForNewXAxis(page, `${boxX.parameter},${boxX.min},${boxX.max},${boxX.scale}`, 'the drag');
    const panned = parseAxis(queryOf(page).get('xa'));
    const width = boxX.max - boxX.min;
    expect(panned.min - boxX.min).toBeCloseTo(0.25 * width, 2);
    expect(panned.max - panned.min).toBeCloseTo(width, 10);
    expect(queryOf(page).get('hist')!.split(';')).toHaveLength(2);
    expect(errors).toEqual([]);
  });

  test('click opens the inspector for that pixel', async () => {
    const { page, errors } = await openPage(harness(), '?res=128x128');
    await waitForCurrentRender(page);
    const canvas = page.locator(GPU_CANVAS);
    const box = (await canvas.boundingBox())!;
    const { columns, rows } = await callProbe(page, 'expectedLayerColors');

    // A point in the periodic (EoS) band of the default axes: η/η_c ≈ 1.17, σ_w ≈ 0.57.
    // It sits at the centre of a view pixel, so rounding cannot pick a neighbour.
    const click = { x: box.x + (66.5 * box.width) / columns, y: box.y + (96.5 * box.height) / rows };
    const column = Math.floor(((click.x - box.x) / box.width) * columns);
    const row = Math.floor(((click.y - box.y) / box.height) * rows);
    const pixel = await callProbe(page, 'pixelDetails', column, row);
    expect(pixel.phase).toBe('periodic');
    expect(pixel.experiment).toBeDefined();

    await page.mouse.click(click.x, click.y);
    const inspector = page.locator('eos-trajectory-inspector');
    await waitForVisible(inspector, 'The trajectory inspector');
    expect(await callProbe(page, 'inspectedExperiment')).toEqual(pixel.experiment);
    expect(await inspector.locator('h2 .label').textContent()).toContain(`pixel (${column}, ${row})`);

    const detail = (term: string) =>
      inspector.locator('dl > div').filter({ has: page.locator('dt', { hasText: new RegExp(`^${term}$`) }) }).locator('dd');
    await waitForVisible(detail('phase'), "The inspector's phase", 30_000);
    expect(await detail('phase').textContent()).toBe(pixel.phase);
    expect(await detail('period').textContent()).toBe(String(pixel.period));

    // Leaving the map ends the pointer readout without an error.
    await page.mouse.move(0, 0);
    await callProbe(page, 'pageState');
    expect(errors).toEqual([]);
  });

  test('tiles=1 outlines the engine tiles', async () => {
    // At the engine's first throughput guess a tile contains about 234,000 trajectories, so 512² needs two.
    const { page, errors } = await openPage(harness(), '?res=512x512&T=100&tiles=1');
    await waitForCurrentRender(page);
    const outlines = page.locator('eos-atlas-app eos-phase-map polyline.tile');
    const count = await outlines.count();
    expect(count).toBeGreaterThanOrEqual(1);
    // Every outline spans the plot from its left edge to its right edge (its box
    // includes the stroke, whose corners stick out by up to 2 px).
    const canvasBox = (await page.locator(GPU_CANVAS).boundingBox())!;
    for (let k = 0; k < count; k++) {
      const box = (await outlines.nth(k).boundingBox())!;
      expect(Math.abs(box.x - canvasBox.x)).toBeLessThanOrEqual(2.5);
      expect(Math.abs(box.x + box.width - (canvasBox.x + canvasBox.width))).toBeLessThanOrEqual(2.5);
    }
    expect(errors).toEqual([]);
  });

  test('copied link restores state and picture', async () => {
    const first = await openPage(harness(), '?res=128x128');
    await waitForCurrentRender(first.page);
    const xa = queryOf(first.page).get('xa');
    await first.page.locator(GPU_CANVAS).focus();
    await first.page.keyboard.press('+');
    await waitForNewXAxis(first.page, xa, "pressing '+' (zoom in)");
    await waitForCurrentRender(first.page);
    const link = first.page.url();
    const original = await callProbe(first.page, 'pageState');
    const originalShot = await screenshotOf(first.page.locator(GPU_CANVAS));
    expect(original.state.history).toHaveLength(1);

    const second = await openPage(harness(), link);
    await waitForCurrentRender(second.page);
    const restored = await callProbe(second.page, 'pageState');
    expect(restored.url).toBe(link);
    expect(restored.state).toEqual(original.state);
    const restoredShot = await screenshotOf(second.page.locator(GPU_CANVAS));
    expect(countDifferentPixels(originalShot, restoredShot)).toBe(0);
    expect(first.errors).toEqual([]);
    expect(second.errors).toEqual([]);
  });
});
