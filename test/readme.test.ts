/** Every YAML config example in the README is valid config: the docs cannot drift from the schema. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { REPO_ROOT } from '../agent/test-support.js';

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);

describe('README config examples', () => {
  it('has examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
  });
  blocks.forEach((block, i) => {
    it(`example ${i + 1} (${block.split('\n').find((l) => l.includes('id:'))?.trim() ?? block.split('\n')[0]}) validates`, () => {
      expect(() => parseConfig(block, `README.md yaml block ${i + 1}`, {})).not.toThrow();
    });
  });
});
