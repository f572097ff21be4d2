/**
 * Pointer navigation of a plot, as a Lit reactive controller: wheel zoom about
 * the pointer, drag to pan, shift-drag to zoom into a box, click to pick a
 * point. While the pointer moves, `previewAxes` contains the axes to draw. When it
 * rests, the controller calls `onRequest` with the axes to compute.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { panAxis, subAxis, zoomAxis, type RangeAxis } from './view-geometry.ts';

/** Both axes of a plot. */
export interface PlotAxes<A extends RangeAxis = RangeAxis> {
  x: A;
  y: A;
}

/** A position in the plot area, as fractions: x from the left, y from the top. */
export interface PlotPoint {
  x: number;
  y: number;
}

/** Callbacks and sizes that the controller takes from its host. */
export interface PlotNavigationOptions<A extends RangeAxis> {
  /** Size of the plot area in CSS pixels. */
  size: () => { width: number; height: number };
  /** The axes on display, or undefined before the first picture. */
  axes: () => PlotAxes<A> | undefined;
  /** Called with the axes to show next, once a gesture ends. */
  onRequest: (axes: PlotAxes<A>) => void;
  /** Called on a click without a drag. */
  onPick?: (point: PlotPoint) => void;
  /** Called as the pointer moves over the plot, with undefined when it leaves. */
  onHover?: (point: PlotPoint | undefined) => void;
}

/** Milliseconds the wheel must rest before the accumulated zoom is requested. */
const WHEEL_REST_MILLISECONDS = 250;

export class PlotNavigationController<A extends RangeAxis> implements ReactiveController {
  /** Axes to draw during a drag or a wheel gesture, or undefined between gestures. */
  previewAxes: PlotAxes<A> | undefined;
  /** The box of a shift-drag, in CSS pixels of the plot area, or undefined. */
  box: { left: number; top: number; width: number; height: number } | undefined;

  private drag: { startX: number; startY: number; x: number; y: number; box: boolean; moved: boolean } | undefined;
  private pendingWheel: PlotAxes<A> | undefined;
  private wheelTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly options: PlotNavigationOptions<A>,
  ) {
    host.addController(this);
  }

  hostDisconnected(): void {
    clearTimeout(this.wheelTimer);
  }

  /** Wheel handler: zooms about the pointer by e^(deltaY/500), at most e per event. */
  readonly onWheel = (event: WheelEvent): void => {
    const base = this.pendingWheel ?? this.options.axes();
    if (base === undefined) {
      return;
    }
    event.preventDefault();
    const point = this.fractions(event);
    const factor = Math.exp(Math.max(-1, Math.min(1, event.deltaY * 0.002)));
    const next = { x: zoomAxis(base.x, point.x, factor), y: zoomAxis(base.y, 1 - point.y, factor) };
    // Successive wheel events accumulate into one request once the wheel rests.
    this.pendingWheel = next;
    this.previewAxes = next;
    this.host.requestUpdate();
    clearTimeout(this.wheelTimer);
    this.wheelTimer = setTimeout(() => {
      const request = this.pendingWheel;
      this.pendingWheel = undefined;
      this.previewAxes = undefined;
      if (request !== undefined) {
        this.options.onRequest(request);
      }
      this.host.requestUpdate();
    }, WHEEL_REST_MILLISECONDS);
  };

  readonly onPointerDown = (event: PointerEvent): void => {
    if (event.button !== 0) {
      return;
    }
    (event.target as HTMLElement).setPointerCapture(event.pointerId);
    const { x, y } = this.position(event);
    this.drag = { startX: x, startY: y, x, y, box: event.shiftKey, moved: false };
  };

  readonly onPointerMove = (event: PointerEvent): void => {
    const { x, y } = this.position(event);
    const { width, height } = this.options.size();
    this.options.onHover?.({ x: x / width, y: y / height });
    const drag = this.drag;
    const axes = this.options.axes();
    if (drag === undefined || axes === undefined) {
      return;
    }
    drag.x = x;
    drag.y = y;
    drag.moved ||= Math.hypot(x - drag.startX, y - drag.startY) > 3;
    if (drag.moved && drag.box) {
      this.box = { left: Math.min(drag.startX, x), top: Math.min(drag.startY, y), width: Math.abs(x - drag.startX), height: Math.abs(y - drag.startY) };
    } else if (drag.moved) {
      this.previewAxes = { x: panAxis(axes.x, (drag.startX - x) / width), y: panAxis(axes.y, (y - drag.startY) / height) };
    }
    this.host.requestUpdate();
  };

  readonly onPointerUp = (event: PointerEvent): void => {
    const drag = this.drag;
    this.drag = undefined;
    this.box = undefined;
    const axes = this.options.axes();
    if (drag === undefined || axes === undefined) {
      return;
    }
    const { x, y } = this.position(event);
    const { width, height } = this.options.size();
    if (!drag.moved) {
      this.options.onPick?.({ x: x / width, y: y / height });
    } else if (drag.box) {
      this.options.onRequest({
        x: subAxis(axes.x, drag.startX / width, x / width),
        y: subAxis(axes.y, 1 - drag.startY / height, 1 - y / height),
      });
    } else if (this.previewAxes !== undefined) {
      this.options.onRequest(this.previewAxes);
    }
    this.previewAxes = undefined;
    this.host.requestUpdate();
  };

  readonly onPointerLeave = (): void => {
    this.options.onHover?.(undefined);
  };

  private position(event: PointerEvent | WheelEvent): { x: number; y: number } {
    const bounds = (event.target as HTMLElement).getBoundingClientRect();
    return { x: event.clientX - bounds.left, y: event.clientY - bounds.top };
  }

  private fractions(event: PointerEvent | WheelEvent): PlotPoint {
    const { x, y } = this.position(event);
    const { width, height } = this.options.size();
    return { x: x / width, y: y / height };
  }
}
