import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { upsertJsonSection, upsertMarkdownSection } from './report-sections.js';

describe('shared evaluation files', () => {
  it('replace one model section and keep the others', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eval-'));
    const md = join(dir, 'EVALUATION.md');
    upsertMarkdownSection(md, 'a', '## A\nfirst');
    upsertMarkdownSection(md, 'b', '## B\nother model');
    upsertMarkdownSection(md, 'a', '## A\nsecond');
    const text = readFileSync(md, 'utf8');
    expect(text).toContain('second');
    expect(text).not.toContain('first');
    expect(text).toContain('other model');
    expect(text.indexOf('## A')).toBeLessThan(text.indexOf('## B'));

    const js = join(dir, 'evaluation.json');
    upsertJsonSection(js, 'a', { rmse: 1 });
    upsertJsonSection(js, 'b', { auc: 0.9 });
    upsertJsonSection(js, 'a', { rmse: 2 });
    expect(JSON.parse(readFileSync(js, 'utf8'))).toEqual({ sections: { a: { rmse: 2 }, b: { auc: 0.9 } } });
  });
});
