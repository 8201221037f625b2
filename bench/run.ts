/**
 * `npm run bench [NAME...]`: runs every bench/*.bench.js (compiled) in its own process, one after
 * the other so they do not compete for the CPU, and forwards their JSON lines to stdout.
 * A name filters by file name (e.g. `npm run bench -- buffer`). The hour-long soak runs only when
 * named (`npm run bench -- soak`).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Benches that take an hour: not part of a plain `npm run bench`. */
const LONG = ['soak.bench.js'];
const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => (filters.length === 0 ? !LONG.includes(f) : filters.some((name) => f.includes(name))))
  .sort();

let failed = 0;
for (const file of files) {
  const result = spawnSync(process.execPath, ['--expose-gc', join(here, file)], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    failed++;
    process.stderr.write(`bench ${file} exited with ${result.status ?? result.signal}\n`);
  }
}
process.exit(failed === 0 ? 0 : 1);
