/** The third-party data in shared/data (read from there, never copied into the repository). */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot, SkipError } from './prepare.js';

export function sharedData(path: string): string {
  const root = process.env.EV_EDGE_SHARED_DATA || resolve(repoRoot, '..', 'shared', 'data');
  const file = join(root, path);
  if (!existsSync(file)) throw new SkipError(`${file} is absent (set EV_EDGE_SHARED_DATA to shared/data)`);
  return file;
}
