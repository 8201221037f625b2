/**
 * The simulated-fleet models (failure_pack, failure_charger, anomaly_pack) are trained and
 * evaluated by models/fleet/ (train.py writes evaluation.fleet.json, report.py renders
 * EVALUATION.fleet.md). `npm run evaluate` copies their sections into the shared
 * models/EVALUATION.md and models/evaluation.json so every model's numbers are in one place.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { upsertJsonSection, upsertMarkdownSection } from './report-sections.js';

export const FLEET_MODELS = ['failure_pack', 'failure_charger', 'anomaly_pack'] as const;

/** Splits the fleet report into its `## <model> ...` sections, keyed by model name. */
export function fleetMarkdownSections(markdown: string): Map<string, string> {
  const sections = new Map<string, string>();
  const parts = markdown.split(/^(?=## )/m).slice(1);
  for (const part of parts) {
    const name = /^## (\w+)/.exec(part)?.[1];
    if (name) sections.set(name, part.trim());
  }
  return sections;
}

/** Returns the models whose sections were copied; missing fleet reports are skipped (named). */
export function upsertFleetSections(modelsDir: string, mdPath: string, jsonPath: string): string[] {
  const fleetDir = join(modelsDir, 'fleet');
  const mdFile = join(fleetDir, 'EVALUATION.fleet.md');
  const jsonFile = join(fleetDir, 'evaluation.fleet.json');
  if (!existsSync(mdFile) || !existsSync(jsonFile)) return [];
  const markdown = fleetMarkdownSections(readFileSync(mdFile, 'utf8'));
  const json = JSON.parse(readFileSync(jsonFile, 'utf8')) as Record<string, unknown>;
  const copied: string[] = [];
  for (const model of FLEET_MODELS) {
    const body = markdown.get(model);
    if (!body || json[model] === undefined) continue;
    const source = '\n\nSimulated fleets (drivers/simulator; hazard models in models/fleet/README.md), measured by `npm run train:fleet`.';
    upsertMarkdownSection(mdPath, model, body + source);
    upsertJsonSection(jsonPath, model, { command: 'npm run train:fleet', data: 'simulated fleets (train seed 11, evaluation seed 22)', ...(json[model] as object) });
    copied.push(model);
  }
  return copied;
}
