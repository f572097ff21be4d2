/**
 * End-to-end tests of the page's PNG export: size, metadata, exact re-rendering
 * from the embedded view, decorations, and reopening a view by dropping a PNG.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { decodePngRgba, PNG_VERSION_KEY, PNG_VIEW_KEY, readPngTexts } from '../../src/core/png.ts';
import { decodeAppState } from '../../src/core/url-state.ts';
import { openPage, useBrowserHarness, waitForCurrentRender } from './browser-harness.ts';

const TEST_TIMEOUT = 120_000;

const harness = useBrowserHarness();

/** Fills the export form, clicks Export PNG and returns the downloaded file. */
async function exportPng(page: Page, width: number, height: number, decorated: boolean): Promise<Uint8Array> {
  const panel = page.locator('eos-export-panel');
  await panel.locator('input[name="width"]').fill(String(width));
  await panel.locator('input[name="height"]').fill(String(height));
  for (const name of ['axes', 'title', 'colorbar']) {
    await panel.locator(`input[name="${name}"]`).setChecked(decorated);
  }
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 90_000 }), panel.locator('button', { hasText: 'Export PNG' }).click()]);
  return new Uint8Array(await readFile(await download.path()));
}

describe('PNG export', () => {
  test(
    'exports the requested size with the view',
    async () => {
      const { page, errors } = await openPage(harness(), '?res=64x48&layer=lyapunovExponent&cmap=blueRed&cscale=symmetric');
      await waitForCurrentRender(page);
      const file = await exportPng(page, 80, 60, false);
      const image = await decodePngRgba(file, (data) => inflateSync(data));
      expect(image.width).toBe(80);
      expect(image.height).toBe(60);
      const texts = readPngTexts(file);
      expect(texts[PNG_VERSION_KEY]).toBe('0.1.0');
      const state = decodeAppState(texts[PNG_VIEW_KEY]!);
      expect(state.view.columns).toBe(80);
      expect(state.view.rows).toBe(60);
      expect(state.layer).toBe('lyapunovExponent');
      // The automatic colour range is recorded, so the view recolours identically.
      expect(state.colormap.min).toBeDefined();
      expect(state.colormap.max).toBeDefined();

      // The embedded view, opened as a link and exported again, gives identical pixels.
      const { page: again } = await openPage(harness(), `?${texts[PNG_VIEW_KEY]!}`);
      await waitForCurrentRender(again);
      const second = await decodePngRgba(await exportPng(again, 80, 60, false), (data) => inflateSync(data));
      expect(Buffer.from(second.rgba).equals(Buffer.from(image.rgba))).toBe(true);
      expect(errors).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  test(
    'draws axes, title and colour key around the map',
    async () => {
      const { page } = await openPage(harness(), '?res=64x64');
      await waitForCurrentRender(page);
      const image = await decodePngRgba(await exportPng(page, 128, 96, true), (data) => inflateSync(data));
      expect(image.width).toBeGreaterThan(128);
      expect(image.height).toBeGreaterThan(96);
    },
    TEST_TIMEOUT,
  );

  test(
    'reopens the view of a dropped PNG and rejects other files',
    async () => {
      const { page } = await openPage(harness(), '?res=64x48&layer=period&cmap=period');
      await waitForCurrentRender(page);
      const file = await exportPng(page, 40, 30, false);
      const { page: other } = await openPage(harness(), '?res=32x32');
      await waitForCurrentRender(other);
      const drop = async (bytes: number[], name: string) =>
        other.evaluate(
          ({ bytes, name }) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array(bytes)], name, { type: 'image/png' }));
            document.querySelector('eos-atlas-app')!.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
          },
          { bytes, name },
        );
      await drop([...file], 'view.png');
      await other.waitForFunction(() => (document.querySelector('eos-atlas-app') as unknown as { state: { layer: string } }).state.layer === 'period');
      const state = await other.evaluate(() => (document.querySelector('eos-atlas-app') as unknown as { state: unknown }).state);
      expect(state).toEqual(decodeAppState(readPngTexts(file)[PNG_VIEW_KEY]!));

      // A file that is not an eos-atlas PNG shows an error and keeps the view.
      await drop([1, 2, 3, 4], 'broken.png');
      await other.locator('.banner.error').first().waitFor({ state: 'visible' });
      expect(await other.locator('.banner.error').first().textContent()).toContain("The dropped file's view could not be read");
    },
    TEST_TIMEOUT,
  );
});

describe('CLI against the page', () => {
  test(
    'renders the default view with the same pixels',
    async () => {
      const { page } = await openPage(harness(), '');
      await waitForCurrentRender(page);
      const file = await exportPng(page, 256, 256, false);
      const folder = await mkdtemp(join(tmpdir(), 'eos-atlas-e2e-'));
      await writeFile(join(folder, 'page.png'), file);
      // The CLI runs the same WGSL on the SwiftShader driver that the browser uses, so
      // float32 rounding matches too.
      const root = fileURLToPath(new URL('../..', import.meta.url));
      const { stderr } = await promisify(execFile)(
        process.execPath,
        ['--import', './scripts/register-node.mjs', 'src/cli/main.ts', 'render', '--png', join(folder, 'page.png'), '--out', join(folder, 'cli.png'), '--quiet'],
        { cwd: root, env: { ...process.env, VK_ICD_FILENAMES: '/usr/lib/chromium/vk_swiftshader_icd.json' } },
      );
      expect(stderr).toContain('SwiftShader');
      const pageImage = await decodePngRgba(file, (data) => inflateSync(data));
      const cliImage = await decodePngRgba(new Uint8Array(await readFile(join(folder, 'cli.png'))), (data) => inflateSync(data));
      expect(cliImage.width).toBe(256);
      expect(cliImage.height).toBe(256);
      expect(Buffer.from(cliImage.rgba).equals(Buffer.from(pageImage.rgba))).toBe(true);
    },
    TEST_TIMEOUT,
  );
});
