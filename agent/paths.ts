/** Where the installed package lives (repo checkout, /opt/ev-edge, or the Docker image). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding package.json, found upwards from this module (works from src and dist). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the ev-edge package root (no package.json above the agent)');
    dir = parent;
  }
  return dir;
}

/** The ONNX models and their cards: $EV_EDGE_MODELS_DIR, else the ones shipped in the package. */
export function modelsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.EV_EDGE_MODELS_DIR || join(packageRoot(), 'models');
}

/** The agent's version, from package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
