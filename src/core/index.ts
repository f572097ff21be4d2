/** The DOM-free, GPU-free mathematical core of eos-atlas. */
export * from './analysis.ts';
export * from './errors.ts';
export * from './experiment.ts';
export * from './fixed-points.ts';
export * from './initialization.ts';
export * from './map.ts';
export * from './quantities.ts';
export * from './random.ts';
export * from './reference.ts';
export * from './trajectory.ts';
export * from './view.ts';
export * from './layers.ts';
export * from './precision.ts';
export * from './logger.ts';
export * from './colormaps.ts';
export * from './url-state.ts';
