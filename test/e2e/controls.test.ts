/**
 * End-to-end tests of the page's controls in headless Chromium: invalid input in
 * the view form, the presets, and the CPU engine with its 2D canvas.
 * browser-harness.ts starts the page server and the browser.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { PRESETS } from '../../src/ui/presets.ts';
import type { PageState } from './page-probe.ts';
import {
  callProbe,
  compareViewPixels,
  GPU_CANVAS,
  HOST_CANVAS,
  MAP_SIZE,
  openPage,
  screenshotOf,
  useBrowserHarness,
  waitForCurrentRender,
  waitForVisible,
} from './browser-harness.ts';

const TEST_TIMEOUT = 120_000;

/** Largest difference per colour channel between the drawn and the expected colour (compositor rounding). */
const COLOR_TOLERANCE = 2;

const harness = useBrowserHarness();

/** Types `value` into the view form's field `name` and leaves the field with Tab, which fires `change`. */
async function enterValue(page: Page, name: string, value: string) {
  const input = page.locator(`eos-view-controls input[name="${name}"]`);
  await input.fill(value);
  await input.press('Tab');
}

/** Checks that the error for `field` is the element right after the field's label, and returns its text. */
async function errorNextToField(page: Page, field: string): Promise<string> {
  const error = page.locator(`eos-view-controls .error[data-field="${field}"]`);
  await waitForVisible(error, `The error of ${field}`);
  const fieldBefore = await error.evaluate((element) => element.previousElementSibling?.querySelector('input, select')?.getAttribute('name'));
  expect(fieldBefore, `field before the error of ${field}`).toBe(field);
  expect(await page.locator(`eos-view-controls input[name="${field}"]`).getAttribute('aria-invalid')).toBe('true');
  return (await error.textContent()) ?? '';
}

/** Checks that the state, the address and the picture did not change since `before`, and that no render started. */
async function expectNothingChanged(page: Page, before: PageState): Promise<void> {
  const after = await callProbe(page, 'pageState');
  expect(after.url).toBe(before.url);
  expect(after.state).toEqual(before.state);
  expect(after.render).toBe('complete');
  const renders = await callProbe(page, 'watchedRenders');
  expect(renders.renderValues, 'data-render values since the edit').not.toContain('pending');
  expect(renders.draws, 'images drawn since the edit').toBe(0);
}

describe('controls', { timeout: TEST_TIMEOUT }, () => {
  test('invalid width shows its error', async () => {
    const { page, errors } = await openPage(harness(), '?res=64x64');
    await waitForCurrentRender(page);
    const before = await callProbe(page, 'pageState');
    await callProbe(page, 'watchRenders');

    await enterValue(page, 'width', '-5');
    const message = await errorNextToField(page, 'width');
    expect(message).toContain('Invalid width: -5.');
    expect(message).toContain('Expected an integer');
    await expectNothingChanged(page, before);
    expect(errors).toEqual([]);
  });

  test('a second invalid field keeps the error of the first', async () => {
    const { page, errors } = await openPage(harness(), '?res=64x64');
    await waitForCurrentRender(page);
    const before = await callProbe(page, 'pageState');
    await callProbe(page, 'watchRenders');

    await enterValue(page, 'steps', '-5');
    expect(await errorNextToField(page, 'steps')).toContain('Invalid steps: -5.');
    await enterValue(page, 'columns', 'abc');
    expect(await errorNextToField(page, 'columns')).toContain('Invalid columns');
    expect(await errorNextToField(page, 'steps')).toContain('Invalid steps: -5.');
    // Fixing one field leaves the other's error, and nothing renders until both are valid.
    await enterValue(page, 'columns', '64');
    expect(await errorNextToField(page, 'steps')).toContain('Invalid steps: -5.');
    expect(await page.locator('eos-view-controls .error[data-field="columns"]').count()).toBe(0);
    await expectNothingChanged(page, before);
    expect(errors).toEqual([]);
  });

  test('invalid axis range shows its error', async () => {
    const { page, errors } = await openPage(harness(), '?res=64x64');
    await waitForCurrentRender(page);
    const before = await callProbe(page, 'pageState');
    await callProbe(page, 'watchRenders');

    // x min above x max: the check names x.max, the bound that must exceed x min.
    await enterValue(page, 'x.min', '3');
    const message = await errorNextToField(page, 'x.max');
    expect(message).toContain('Invalid x.max: 2.2.');
    expect(message).toContain('x.min = 3');
    await expectNothingChanged(page, before);
    expect(errors).toEqual([]);
  });

  test('route-to-chaos preset shows the period layer', async () => {
    const preset = PRESETS.find((candidate) => candidate.id === 'route-to-chaos')!;
    expect(preset.title).toBe('Period-doubling route to chaos');
    const { page, errors } = await openPage(harness(), '?res=64x64');
    await waitForCurrentRender(page);

    await page.getByRole('button', { name: preset.title }).click();
    const explanation = page.locator('eos-preset-list .explanation');
    await waitForVisible(explanation, "The preset's explanation");
    expect(await explanation.textContent()).toBe(preset.explanation);
    expect(await page.getByRole('button', { name: preset.title }).getAttribute('aria-pressed')).toBe('true');

    const { state } = await callProbe(page, 'pageState');
    expect(state.layer).toBe('period');
    expect(state.colormap.map).toBe('period');
    expect(await page.locator('eos-view-controls select[name="layer"]').inputValue()).toBe('period');
    expect(new URL(page.url()).searchParams.get('layer')).toBe('period');

    // The preset opens the bifurcation diagram at σ_w = 0.5. Closing it removes the
    // diagram's row line from the map, so the map's pixels can be compared below.
    expect(state.diagram?.row).toBe(0.5);
    expect(new URL(page.url()).searchParams.get('brow')).toBe('0.5');
    await page.getByRole('button', { name: 'bifurcation diagram' }).click();
    await expect.poll(async () => (await callProbe(page, 'pageState')).state.diagram).toBeUndefined();

    // The map draws the period layer of the preset's view.
    await waitForCurrentRender(page);
    const expected = await callProbe(page, 'expectedLayerColors');
    expect(expected.layer).toBe('period');
    const shot = await screenshotOf(page.locator(GPU_CANVAS));
    const { mismatches } = compareViewPixels(shot, expected, COLOR_TOLERANCE);
    expect(mismatches.slice(0, 5), `${mismatches.length} view pixels differ`).toEqual([]);
    expect(errors).toEqual([]);
  });

  test('engine=cpu shows the banner and renders', async () => {
    const { page, errors } = await openPage(harness(), '?engine=cpu&res=64x64');
    const banner = page.locator('eos-atlas-app [data-banner="cpu"]');
    await waitForVisible(banner, 'The CPU engine banner', 30_000);
    expect(await banner.textContent()).toContain('CPU engine');
    await waitForCurrentRender(page);

    const { state } = await callProbe(page, 'pageState');
    expect(state.debug.engine).toBe('cpu');
    expect(await page.locator(GPU_CANVAS).isVisible()).toBe(false);
    const host = page.locator(HOST_CANVAS);
    expect(await host.isVisible()).toBe(true);

    const shot = await screenshotOf(host);
    expect([shot.width, shot.height]).toEqual([MAP_SIZE, MAP_SIZE]);
    const expected = await callProbe(page, 'expectedLayerColors');
    const { compared, mismatches } = compareViewPixels(shot, expected, COLOR_TOLERANCE);
    expect(compared).toBe(64 * 64);
    expect(mismatches.slice(0, 5), `${mismatches.length} view pixels differ`).toEqual([]);
    const phases = new Set((await callProbe(page, 'phaseNames')).phases);
    expect(phases.size).toBeGreaterThanOrEqual(3);
    expect(errors).toEqual([]);
  });
});
