/**
 * Where the real third-party CAN files live (DBCs from opendbc / model3dbc / kona-ev-dbc and a real
 * Kona log; see /work/shared/data/README.md for sources and licences). They are never copied into
 * this repository. Folder: `$EV_EDGE_SHARED_DATA/can`, by default `<repo root>/../shared/data/can`.
 * Tests that need them use `describe.skipIf(!HAVE_CAN_DATA)` and say so in their title.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding package.json, found upwards so this also works compiled under dist/. */
function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return from;
  }
}
const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
export const SHARED_DATA_DIR = process.env['EV_EDGE_SHARED_DATA'] ?? resolve(repoRoot, '../shared/data');
export const CAN_DATA_DIR = join(SHARED_DATA_DIR, 'can');
export const HAVE_CAN_DATA = existsSync(join(CAN_DATA_DIR, 'kona_bms_idle.asc'));
export const CAN_DATA_NOTE = HAVE_CAN_DATA ? '' : ` (SKIPPED: real CAN files not found in ${CAN_DATA_DIR}; set EV_EDGE_SHARED_DATA)`;

export const canData = (name: string): string => join(CAN_DATA_DIR, name);
