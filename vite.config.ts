import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Relative asset paths, so the built site works from any folder of a static host.
  base: './',
  test: {
    include: ['test/**/*.test.ts'],
    // GPU tests compile shaders on a CPU Vulkan driver, which can take seconds on a loaded machine.
    testTimeout: 60_000,
  },
});
