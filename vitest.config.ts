import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    // Child-process and real-server tests need more than the default 5 s on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Real servers (PostgreSQL, Mosquitto, kcat) and SQLite files per test: forks isolate native addons.
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
