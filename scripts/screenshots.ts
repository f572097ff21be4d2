/**
 * Writes the documentation screenshots: docs/images/default-view.png (the page
 * with the default view), docs/images/inspector.png (the trajectory inspector
 * of a period-2 pixel of that view) and docs/images/bifurcation.png (the
 * bifurcation-diagram panel of the route-to-chaos view with located doublings). It serves the page and drives headless
 * Chromium like the end-to-end tests, so it needs the same machine setup
 * (scripts/setup-test-machine.sh).
 *
 * Run: node --import ./scripts/register-node.mjs scripts/screenshots.ts
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  callProbe,
  GPU_CANVAS,
  openPage,
  startBrowserHarness,
  waitForCurrentRender,
  waitForVisible,
} from '../test/e2e/browser-harness.ts';

/** The route-to-chaos view with its diagram at σ_w = 0.5, whose typical start settles on the EoS manifold. */
const DIAGRAM_QUERY =
  '?T=2000&xa=etaRatio,0.9,2.05,linear&ya=sigmaW,0.1,1,linear&layer=period&cmap=period' +
  '&bq=hessianSharpness&by=0,3,linear&brow=0.5&bres=1024x512&bsteps=1000,1000&bsamples=1&btone=log,0.5,heat,0';

/** Point of the default view to inspect, as fractions of the map from its top left: η/η_c ≈ 1.17, σ_w ≈ 0.57. */
const INSPECTED_POINT = { x: 0.52, y: 0.754 };

const imagesFolder = fileURLToPath(new URL('../docs/images/', import.meta.url));

async function main(): Promise<void> {
  const harness = await startBrowserHarness();
  try {
    const { page, errors } = await openPage(harness);
    await waitForCurrentRender(page);
    await mkdir(imagesFolder, { recursive: true });

    const app = page.locator('eos-atlas-app');
    const defaultView = `${imagesFolder}default-view.png`;
    await writeFile(defaultView, await app.screenshot({ animations: 'disabled', caret: 'hide' }));
    console.log(`wrote ${defaultView}`);

    const box = await page.locator(GPU_CANVAS).boundingBox();
    if (box === null) {
      throw new Error('The phase map canvas is not visible.');
    }
    await page.mouse.click(box.x + INSPECTED_POINT.x * box.width, box.y + INSPECTED_POINT.y * box.height);
    const inspector = page.locator('eos-trajectory-inspector');
    await waitForVisible(inspector.locator('dl'), "The inspector's analysis", 30_000);
    // The plots are drawn in an animation frame after the inspector lays out.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    // Move the pointer off the map, so the readout does not change between runs.
    await page.mouse.move(0, 0);
    const inspectorImage = `${imagesFolder}inspector.png`;
    await writeFile(inspectorImage, await inspector.screenshot({ animations: 'disabled', caret: 'hide' }));
    console.log(`wrote ${inspectorImage}`);

    const { state } = await callProbe(page, 'pageState');
    console.log(`view: ${state.view.columns}×${state.view.rows}, layer ${state.layer}`);

    const { page: diagramPage, errors: diagramErrors } = await openPage(harness, DIAGRAM_QUERY);
    await waitForCurrentRender(diagramPage);
    await callProbe(diagramPage, 'waitForCurrentDiagram', 90_000);
    const panel = diagramPage.locator('eos-bifurcation-panel');
    await panel.locator('button', { hasText: 'locate doublings' }).click();
    await waitForVisible(panel.locator('table.doublings'), 'The table of located doublings', 120_000);
    await waitForVisible(panel.locator('button', { hasText: 'zoom to next doubling' }).and(panel.locator(':enabled')), 'The finder buttons', 120_000);
    const bifurcationImage = `${imagesFolder}bifurcation.png`;
    await writeFile(bifurcationImage, await panel.screenshot({ animations: 'disabled', caret: 'hide' }));
    console.log(`wrote ${bifurcationImage}`);

    const allErrors = [...errors, ...diagramErrors];
    if (allErrors.length > 0) {
      throw new Error(`The page reported errors:\n${allErrors.join('\n')}`);
    }
  } finally {
    await harness.close();
  }
}

await main();
