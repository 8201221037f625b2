/**
 * Access to the third-party serial captures in shared/data/serial (never copied into this repo).
 * The folder is `$EV_EDGE_SHARED_DATA/serial`, by default `<repo root>/../shared/data/serial`.
 * Tests that need it use `describe.skipIf(!serialDataAvailable)` with SKIP_MESSAGE in the title.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding package.json: works from the sources and from the compiled dist/ tree. */
function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return resolve(from, '../../..');
  }
}
const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
export const SHARED_DATA_DIR = process.env.EV_EDGE_SHARED_DATA ?? resolve(repoRoot, '../shared/data');
export const SERIAL_DATA_DIR = join(SHARED_DATA_DIR, 'serial');

const FILES = ['jbd_vectors.json', 'daly_vectors.json', 'jbd_sp04s034_pdus.txt'];
export const serialDataAvailable = FILES.every((f) => existsSync(join(SERIAL_DATA_DIR, f)));
export const SKIP_MESSAGE = serialDataAvailable
  ? ''
  : ` (SKIPPED: real captures not found in ${SERIAL_DATA_DIR}; set EV_EDGE_SHARED_DATA)`;

export interface VectorCase {
  name: string;
  request?: string;
  response: string;
  expect: Record<string, unknown>;
}

/** "DD 03 00" or "DD:03:00" -> bytes. */
export function hex(text: string): Buffer {
  const clean = text.replace(/[\s:]/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`not a hex string: ${text}`);
  return Buffer.from(clean, 'hex');
}

function loadCases(file: string): VectorCase[] {
  const parsed = JSON.parse(readFileSync(join(SERIAL_DATA_DIR, file), 'utf8')) as { cases: VectorCase[] };
  return parsed.cases;
}

export const loadJbdVectors = (): VectorCase[] => loadCases('jbd_vectors.json');
export const loadDalyVectors = (): VectorCase[] => loadCases('daly_vectors.json');

/** The request/response pairs of the JBD capture file (">>> req <<< resp" per line). */
export function loadJbdCaptures(): { request: Buffer; response: Buffer }[] {
  const text = readFileSync(join(SERIAL_DATA_DIR, 'jbd_sp04s034_pdus.txt'), 'utf8');
  const pairs: { request: Buffer; response: Buffer }[] = [];
  for (const line of text.split('\n')) {
    const m = /^>>>\s*(\S+)\s*<<<\s*(\S+)/.exec(line.trim());
    if (m) pairs.push({ request: hex(m[1] as string), response: hex(m[2] as string) });
  }
  return pairs;
}

/** The case whose name contains `fragment`; throws so a renamed vector fails loudly. */
export function vector(cases: VectorCase[], fragment: string): VectorCase {
  const found = cases.find((c) => c.name.includes(fragment));
  if (!found) throw new Error(`no test vector named like "${fragment}"`);
  return found;
}
