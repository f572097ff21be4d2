/**
 * End-to-end tests of the page beyond float32 in headless Chromium. A view that only
 * df64 resolves renders and names df64 under the map. A zoom from float32 into df64
 * goes through, and the page stops a zoom that no precision resolves. df64 also has to
 * match float64 on the browser's driver. browser-harness.ts starts the page server and
 * the browser.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { callProbe, openPage, useBrowserHarness, waitForCurrentRender } from './browser-harness.ts';
import { createView } from '../../src/core/view.ts';
import { renderViewOnCpu } from '../../src/gpu/cpu/cpu-engine.ts';

const TEST_TIMEOUT = 60_000;

const harness = useBrowserHarness();

/** Accumulation point ỹ∞ of the period-doubling cascade, in η/η_c (7 digits). */
const CASCADE_ACCUMULATION = 1.3022834;

/** Returns a query for a 32 × 16 view of 500 steps with η/η_c across `width` around ỹ∞. */
function cascadeQuery(width: number): string {
  const min = CASCADE_ACCUMULATION - width / 2;
  const max = CASCADE_ACCUMULATION + width / 2;
  return `?res=32x16&T=500&xa=etaRatio,${min},${max},linear`;
}

/** Returns the line under the map that names the precision, and its data-precision. */
async function computedLine(page: Page): Promise<{ text: string; precision: string | null }> {
  const line = page.locator('eos-atlas-app .computed');
  return { text: (await line.textContent()) ?? '', precision: await line.getAttribute('data-precision') };
}

async function bannerCount(page: Page): Promise<number> {
  return page.locator('eos-atlas-app .banner.error').count();
}

describe('precision', { timeout: TEST_TIMEOUT }, () => {
  test('view beyond float32 renders in df64', async () => {
    // 32 pixels across 1e-6: 3.1e-8 apart, 0.26 float32 ulps but 5.5e5 df64 ulps.
    const { page, errors } = await openPage(harness(), cascadeQuery(1e-6));
    await waitForCurrentRender(page);

    expect(await page.locator('eos-atlas-app').getAttribute('data-render')).toBe('complete');
    expect(await bannerCount(page)).toBe(0);
    const line = await computedLine(page);
    expect(line.precision).toBe('df64');
    expect(line.text).toMatch(/^computed in df64 on \S/);
    expect(errors).toEqual([]);
  });

  test('zoom from float32 into df64', async () => {
    // 32 pixels across 2e-5 are 5.2 float32 ulps apart; zooming in by 2 leaves 2.6.
    const { page, errors } = await openPage(harness(), cascadeQuery(2e-5));
    await waitForCurrentRender(page);
    expect((await computedLine(page)).precision).toBe('float32');

    await page.getByRole('button', { name: '+', exact: true }).click();
    await expect.poll(async () => (await callProbe(page, 'pageState')).state.history.length).toBe(1);
    await waitForCurrentRender(page);

    expect(await bannerCount(page)).toBe(0);
    const line = await computedLine(page);
    expect(line.precision).toBe('df64');
    expect(line.text).toContain('computed in df64');
    const { state } = await callProbe(page, 'pageState');
    expect(state.view.x.max - state.view.x.min).toBeCloseTo(1e-5, 12);
    expect(state.debug.precision).toBe('auto');
    expect(errors).toEqual([]);
  });

  test('zoom stops where no precision resolves', async () => {
    // 32 pixels across 1e-13 are 14 float64 ulps apart (0.06 df64 ulps); zooming in by 2 leaves 7, and by 4 leaves 3.5.
    const { page, errors } = await openPage(harness(), cascadeQuery(1e-13));
    await waitForCurrentRender(page);
    expect((await computedLine(page)).precision).toBe('float64');

    await page.getByRole('button', { name: '+', exact: true }).click();
    await expect.poll(async () => (await callProbe(page, 'pageState')).state.history.length).toBe(1);
    await waitForCurrentRender(page);
    const before = await callProbe(page, 'pageState');

    await page.getByRole('button', { name: '+', exact: true }).click();
    const readout = page.locator('eos-atlas-app .readout');
    await expect.poll(async () => readout.textContent()).toContain('Zooming further would pass float64 precision, the finest this engine has');
    expect(await readout.textContent()).toContain('float64 ulps (at least 4 are needed)');
    const after = await callProbe(page, 'pageState');
    expect(after.state).toEqual(before.state);
    expect(after.url).toBe(before.url);
    expect(await bannerCount(page)).toBe(0);
    expect(errors).toEqual([]);
  });

  test('df64 survives the browser driver', async () => {
    // The df64 arithmetic relies on every f32 operation being rounded once, in order. On
    // SwiftShader, the page's driver, a view across the doubling point ỹ₇ = 1.3022534377
    // (period 64 → 128) must give the float64 engine's phase and period at every pixel.
    const doubling = 1.3022534377421295;
    const query = `?T=4000&res=32x8&s=1&xa=etaRatio,${doubling - 5e-7},${doubling + 5e-7},linear&ya=sigmaW,0.5,0.6,linear&layer=period&cmap=period`;
    const { page, errors } = await openPage(harness(), query);
    await waitForCurrentRender(page, 60_000);
    expect((await computedLine(page)).precision).toBe('df64');
    const { state } = await callProbe(page, 'pageState');
    const reference = await renderViewOnCpu(createView(state.view), { workers: 0 });
    expect(new Set(reference.period).has(64)).toBe(true);
    expect(await callProbe(page, 'layerValues', 'period')).toEqual(Array.from(reference.period));
    expect(await callProbe(page, 'layerValues', 'phase')).toEqual(Array.from(reference.phase));
    expect(errors).toEqual([]);
  });
});
