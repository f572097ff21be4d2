/**
 * Helpers that run inside the page under test. The Vite dev server serves this
 * module at /test/e2e/page-probe.ts, and `callProbe` in browser-harness.ts
 * imports it in the page and calls one export. The probe imports the page's
 * own modules by the same URLs, so it computes with the code the page runs.
 *
 * It reads the page through the public properties of `<eos-atlas-app>` (`state`,
 * `image`, `renderState`) and its `data-render` attribute, and through the
 * `image-drawn` events that the init script of browser-harness.ts records in
 * `window.eosDrawn`.
 */
import { colorizeLayer } from '../../src/core/colormaps.ts';
import type { Experiment } from '../../src/core/experiment.ts';
import type { AppState } from '../../src/core/url-state.ts';
import { createView, pixelExperiment, type Axis } from '../../src/core/view.ts';
import type { AtlasApp } from '../../src/ui/atlas-app.ts';
import { colorizeOptionsFor } from '../../src/core/colorize-options.ts';
import { PHASES_BY_CODE } from '../../src/ui/labels.ts';
import type { MapImage } from '../../src/ui/phase-map.ts';
import type { BifurcationDiagram } from '../../src/core/bifurcation-diagram.ts';
import { diagramForView } from '../../src/core/diagram-state.ts';
import type { BifurcationPanel } from '../../src/ui/bifurcation-panel.ts';

/** The last `image-drawn` event: what the phase map drew, and how many draws came before. */
export interface DrawRecord {
  image: MapImage | undefined;
  layer: string;
  count: number;
}

declare global {
  interface Window {
    /** Set by the init script of browser-harness.ts on every `image-drawn` event. */
    eosDrawn?: DrawRecord;
  }
}

function app(): AtlasApp {
  const element = document.querySelector('eos-atlas-app');
  if (element === null) {
    throw new Error('<eos-atlas-app> not found in the page.');
  }
  return element;
}

function sameAxis(first: Axis, second: Axis): boolean {
  return first.parameter === second.parameter && first.min === second.min && first.max === second.max && first.scale === second.scale;
}

/**
 * Returns whether the picture on display is the full-resolution render of the current
 * state. The render must be complete, the image must have the state's axes and
 * resolution, and the phase map must have drawn that image in the state's layer.
 */
function isCurrentRenderDrawn(): boolean {
  const page = app();
  const image = page.image;
  const view = page.state.view;
  const drawn = window.eosDrawn;
  return (
    page.dataset.render === 'complete' &&
    image !== undefined &&
    sameAxis(image.view.x, view.x) &&
    sameAxis(image.view.y, view.y) &&
    image.view.columns === view.columns &&
    image.view.rows === view.rows &&
    drawn !== undefined &&
    drawn.image === image &&
    drawn.layer === page.state.layer
  );
}

function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}

function bannerTexts(): string[] {
  return [...app().renderRoot.querySelectorAll('.banner')].map((banner) => banner.textContent?.trim() ?? '');
}

/**
 * Waits until the full-resolution render of the current state is drawn, then two more
 * animation frames, because the phase map draws into its WebGPU canvas in the frame
 * after `image-drawn`. Rejects when the render fails, or after `timeoutMs` with what
 * the page shows instead.
 */
export async function waitForCurrentRender(timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!isCurrentRenderDrawn()) {
    const page = app();
    if (page.dataset.render === 'error') {
      throw new Error(`The render failed (data-render=error). Banners: ${JSON.stringify(bannerTexts())}.`);
    }
    if (performance.now() > deadline) {
      const banners = bannerTexts();
      throw new Error(
        `The render of the current view was not drawn within ${timeoutMs} ms: data-render=${page.dataset.render}, ` +
          `image view ${JSON.stringify(page.image === undefined ? null : { x: page.image.view.x, y: page.image.view.y })}, ` +
          `state view ${JSON.stringify({ x: page.state.view.x, y: page.state.view.y })}, draws ${window.eosDrawn?.count ?? 0}, ` +
          `banners ${JSON.stringify(banners)}.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await nextFrame();
  await nextFrame();
}

/** The app's state and address, its `data-render` value and the number of images drawn so far. */
export interface PageState {
  state: AppState;
  url: string;
  render: string | undefined;
  draws: number;
}

/** Returns the app's state and address, its `data-render` value and the number of images drawn so far. */
export function pageState(): PageState {
  const page = app();
  return { state: page.state, url: location.href, render: page.dataset.render, draws: window.eosDrawn?.count ?? 0 };
}

/** Computes the colours of the current layer with the CPU reference: RGBA per pixel, row 0 at the top. */
export function expectedLayerColors(): { columns: number; rows: number; layer: string; rgba: number[] } {
  const page = app();
  const image = page.image;
  if (image === undefined) {
    throw new Error('The page has no image yet.');
  }
  const values = image.layers[page.state.layer];
  const rgba = colorizeLayer(values, colorizeOptionsFor(page.state, values));
  return { columns: image.view.columns, rows: image.view.rows, layer: page.state.layer, rgba: Array.from(rgba) };
}

/** Returns the phase layer of the current image as phase names, row 0 at the top. */
export function phaseNames(): { columns: number; rows: number; phases: string[] } {
  const image = app().image;
  if (image === undefined) {
    throw new Error('The page has no image yet.');
  }
  const phases = Array.from(image.layers.phase, (code) => PHASES_BY_CODE[code] ?? `code ${code}`);
  return { columns: image.view.columns, rows: image.view.rows, phases };
}

/** Returns the experiment, phase and period of one pixel of the current image. */
export function pixelDetails(column: number, row: number): { experiment: Experiment | undefined; phase: string; period: number } {
  const image = app().image;
  if (image === undefined) {
    throw new Error('The page has no image yet.');
  }
  const index = row * image.view.columns + column;
  const code = image.layers.phase[index]!;
  return {
    experiment: pixelExperiment(image.view, column, row, 0),
    phase: PHASES_BY_CODE[code] ?? `code ${code}`,
    period: image.layers.period[index]!,
  };
}

/** Returns the experiment of the open trajectory inspector, or undefined when none is open. */
export function inspectedExperiment(): Experiment | undefined {
  const inspector = app().renderRoot.querySelector('eos-trajectory-inspector');
  return inspector?.experiment;
}

/** Record of `watchRenders`: the `data-render` values set since it started, and the draw count then. */
interface RenderWatch {
  renderValues: string[];
  drawsAtStart: number;
}

let watch: RenderWatch | undefined;
let watchObserver: MutationObserver | undefined;

/** Starts recording every change of the app's `data-render` attribute. */
export function watchRenders(): void {
  const page = app();
  watchObserver?.disconnect();
  const record: RenderWatch = { renderValues: [], drawsAtStart: window.eosDrawn?.count ?? 0 };
  watchObserver = new MutationObserver(() => record.renderValues.push(page.dataset.render ?? ''));
  watchObserver.observe(page, { attributes: true, attributeFilter: ['data-render'] });
  watch = record;
}

/**
 * Returns what happened since `watchRenders`: each `data-render` value the app set
 * (a new render shows `pending`) and the number of images the phase map drew.
 */
export async function watchedRenders(): Promise<{ renderValues: string[]; draws: number }> {
  if (watch === undefined) {
    throw new Error('watchRenders() was not called.');
  }
  // Let pending updates and mutation records arrive.
  await app().updateComplete;
  await nextFrame();
  return { renderValues: [...watch.renderValues], draws: (window.eosDrawn?.count ?? 0) - watch.drawsAtStart };
}

function diagramPanel(): BifurcationPanel {
  const panel = app().renderRoot.querySelector('eos-bifurcation-panel');
  if (panel === null) {
    throw new Error('<eos-bifurcation-panel> not found: the state has no bifurcation diagram.');
  }
  return panel;
}

/** Returns whether the diagram panel shows the complete render of the state's diagram. */
function isCurrentDiagramShown(): boolean {
  const page = app();
  const panel = page.renderRoot.querySelector('eos-bifurcation-panel');
  const shown = panel?.shownRender;
  if (panel === null || panel === undefined || shown === undefined || page.state.diagram === undefined || panel.dataset.render !== 'complete') {
    return false;
  }
  return JSON.stringify(shown.diagram) === JSON.stringify(diagramForView(createView(page.state.view), page.state.diagram));
}

/** Waits until the bifurcation diagram of the current state is rendered and drawn. */
export async function waitForCurrentDiagram(timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!isCurrentDiagramShown()) {
    const panel = app().renderRoot.querySelector('eos-bifurcation-panel');
    if (panel?.dataset.render === 'error') {
      throw new Error(`The diagram failed to render: ${panel.renderRoot.querySelector('.error')?.textContent ?? 'no message'}.`);
    }
    if (performance.now() > deadline) {
      throw new Error(`The bifurcation diagram of the current state was not shown within ${timeoutMs} ms (data-render=${panel?.dataset.render}).`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await diagramPanel().updateComplete;
  await nextFrame();
}

/** Returns the diagram on display and its counts. */
export function diagramCounts(): { diagram: BifurcationDiagram; counts: number[]; diverged: number[]; engine: string } {
  const shown = diagramPanel().shownRender;
  if (shown === undefined) {
    throw new Error('The diagram panel has no render yet.');
  }
  return {
    diagram: shown.diagram,
    counts: Array.from(shown.render.density.counts),
    diverged: Array.from(shown.render.density.diverged),
    engine: shown.render.engine,
  };
}

/** Returns one layer of the current image, row 0 at the top. */
export function layerValues(name: string): number[] {
  const image = app().image;
  if (image === undefined) {
    throw new Error('The page has no image yet.');
  }
  return Array.from(image.layers[name as keyof typeof image.layers]);
}
