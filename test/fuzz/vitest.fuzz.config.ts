import { defineConfig } from 'vitest/config';

/**
 * The long fuzz run (`npm run fuzz`), kept out of the normal suite: the default config only picks
 * `*.test.ts`, these files are `*.fuzz.ts`. FUZZ_RUNS (default 100000) inputs per property; the
 * test timeout is the hang bound of a whole property, each call is also timed (see support.ts).
 */
export default defineConfig({
  test: {
    include: ['test/fuzz/**/*.fuzz.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 3_600_000,
    pool: 'forks',
    // Two cores shared with other work: one fuzz file at a time.
    fileParallelism: false,
  },
});
