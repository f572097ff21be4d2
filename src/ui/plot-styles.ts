/**
 * Styles shared by the plots (the phase map and the bifurcation diagram): a canvas
 * under an SVG overlay of axes, cursors and the zoom box.
 */
import { css } from 'lit';

/** The host, canvas, overlay and zoom-box rules of a plot element. */
export const plotStyles = css`
    :host {
      display: inline-block;
      position: relative;
      user-select: none;
      font: 12px system-ui, sans-serif;
    }
    canvas {
      position: absolute;
      cursor: crosshair;
      outline: none;
    }
    svg {
      position: absolute;
      left: 0;
      top: 0;
      pointer-events: none;
      overflow: visible;
    }
    .box {
      fill: rgba(0, 114, 178, 0.15);
      stroke: #0072b2;
      stroke-dasharray: 4 3;
    }
`;
