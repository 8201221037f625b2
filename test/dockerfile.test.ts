/**
 * Docker does not run here, so Dockerfile.arm64 is checked as text: two stages for linux/arm64, a
 * builder with a toolchain for the native addons, a slim runtime running as a non-root user with a
 * data volume and a /readyz healthcheck, and every file it copies exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { knownRuntimeProblem } from '../agent/runtime.js';
import { REPO_ROOT } from '../agent/test-support.js';

const text = readFileSync(join(REPO_ROOT, 'Dockerfile.arm64'), 'utf8');
/** Instructions with continuation lines joined and comments dropped. */
const instructions = text
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const stages = instructions.filter((l) => l.startsWith('FROM '));
const runtimeStart = instructions.findIndex((l) => / AS runtime$/.test(l));
const runtime = instructions.slice(runtimeStart);

describe('Dockerfile.arm64', () => {
  it('has a builder and a runtime stage, both for linux/arm64, on a Node LTS', () => {
    expect(stages).toEqual([
      'FROM --platform=linux/arm64 node:${NODE_VERSION}-bookworm AS builder',
      'FROM --platform=linux/arm64 node:${NODE_VERSION}-bookworm-slim AS runtime',
    ]);
    const version = Number(/^ARG NODE_VERSION=(\d+)$/m.exec(text)?.[1]);
    expect(version % 2).toBe(0); // even majors are the LTS lines
    expect(version).toBeGreaterThanOrEqual(22);
    // The floating tag moves to that line's newest release: it must not be one the agent refuses.
    expect(knownRuntimeProblem(`${version}.99.0`)).toBeNull();
  });

  it('builds native addons in the builder only, with a toolchain, and installs from the lockfile', () => {
    const builder = instructions.slice(0, runtimeStart);
    expect(builder.some((l) => /apt-get install .*python3 make g\+\+/.test(l))).toBe(true);
    expect(builder).toContain('RUN npm ci --no-audit --no-fund');
    expect(builder).toContain('RUN scripts/build-release.sh /release');
    expect(runtime.some((l) => /g\+\+|npm install|npm ci/.test(l))).toBe(false);
  });

  it('runs as a non-root user with a data volume, a /readyz healthcheck and the agent as entrypoint', () => {
    const user = runtime.find((l) => l.startsWith('USER '));
    expect(user).toBe('USER ev-edge');
    expect(runtime.findIndex((l) => l.startsWith('USER '))).toBeLessThan(runtime.findIndex((l) => l.startsWith('ENTRYPOINT')));
    expect(runtime).toContain('VOLUME ["/var/lib/ev-edge"]');
    expect(runtime.find((l) => l.startsWith('HEALTHCHECK'))).toMatch(/127\.0\.0\.1:9100\/readyz/);
    // The V8 flags the systemd unit uses too (docs/BENCHMARKS.md, footprint): a smaller young generation, one worker.
    expect(runtime).toContain('ENTRYPOINT ["node", "--max-semi-space-size=1", "--v8-pool-size=1", "/opt/ev-edge/dist/agent/cli.js"]');
    expect(runtime.some((l) => /useradd .*--groups dialout/.test(l))).toBe(true);
  });

  it('copies only files that exist, and documents device access', () => {
    for (const line of instructions.filter((l) => l.startsWith('COPY ') && !l.includes('--from='))) {
      const sources = line.replace(/--\S+/g, '').trim().split(/\s+/).slice(1, -1);
      for (const source of sources) if (source !== '.') expect(existsSync(join(REPO_ROOT, source)), source).toBe(true);
    }
    expect(text).toContain('--device /dev/ttyUSB0');
    expect(text).toContain('--network host');
    expect(existsSync(join(REPO_ROOT, 'scripts/build-release.sh'))).toBe(true);
  });
});
