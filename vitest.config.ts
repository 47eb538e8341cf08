import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/{unit,contract,scenario,property}/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
