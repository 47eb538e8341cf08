import { defineConfig } from 'vitest/config';

export default defineConfig({
  // the UI's .tsx (and its component tests) use React's automatic JSX runtime
  esbuild: { jsx: 'automatic' },
  test: {
    testTimeout: 60_000,
    // one fast-check seed for every property that names none (FC_SEED=random for fresh streams)
    setupFiles: ['./test/fast-check-seed.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'tests',
          include: [
            'test/{unit,contract,scenario,property,integration}/**/*.test.ts',
            'test/unit/renderer/**/*.test.{ts,tsx}',
          ],
        },
      },
      {
        // browser tests run after every other test, one file at a time: the frame-time test measures the page
        // while it loads the machine, so nothing else may run beside it
        extends: true,
        test: {
          name: 'browser',
          include: ['test/e2e/**/*.test.ts'],
          sequence: { groupOrder: 1 },
          maxWorkers: 1,
          fileParallelism: false,
        },
      },
    ],
  },
});
