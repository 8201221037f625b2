import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fleetMarkdownSections, upsertFleetSections } from './fleet-sections.js';

const MODELS = new URL('../', import.meta.url).pathname;

describe('fleet sections in models/EVALUATION.md', () => {
  it('splits the fleet report by model', () => {
    const sections = fleetMarkdownSections(readFileSync(join(MODELS, 'fleet', 'EVALUATION.fleet.md'), 'utf8'));
    expect([...sections.keys()].sort()).toEqual(['anomaly_pack', 'failure_charger', 'failure_pack']);
    expect(sections.get('failure_pack')).toMatch(/ROC AUC \*\*0\.\d+\*\*/);
  });

  it('copies every fleet model into the shared report without touching other sections', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ev-edge-eval-'));
    const md = join(dir, 'EVALUATION.md');
    const json = join(dir, 'evaluation.json');
    writeFileSync(md, '# Model evaluation\n\n<!-- section:cycle_life -->\nkept\n<!-- /section:cycle_life -->\n');
    writeFileSync(json, JSON.stringify({ sections: { cycle_life: { kept: true } } }));
    expect(upsertFleetSections(MODELS, md, json)).toEqual(['failure_pack', 'failure_charger', 'anomaly_pack']);
    const text = readFileSync(md, 'utf8');
    expect(text).toContain('kept');
    expect(text).toContain('<!-- section:failure_charger -->');
    const doc = JSON.parse(readFileSync(json, 'utf8')) as { sections: Record<string, { command?: string }> };
    expect(doc.sections.cycle_life).toEqual({ kept: true });
    expect(doc.sections.anomaly_pack?.command).toBe('npm run train:fleet');
  });
});
