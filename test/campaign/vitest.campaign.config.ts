import { defineConfig } from 'vitest/config';

/**
 * The reliability campaign (`npm run campaign`): one long test, kept out of the normal suite (the
 * default config only picks `*.test.ts`). CAMPAIGN_SECONDS (default 600) of fault injection, then
 * the final drain and checks; the timeout leaves 15 minutes for those and for the upstreams.
 */
const seconds = Number(process.env['CAMPAIGN_SECONDS'] ?? 600);
export default defineConfig({
  test: {
    include: ['test/campaign/**/*.campaign.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: (seconds + 900) * 1000,
    hookTimeout: 300_000,
    pool: 'forks',
  },
});
