/**
 * The set of configured models, each ready or unavailable, with hot reload.
 *
 * Why a directory watch: model files are usually replaced by rename (cp to tmp, mv), which a
 * watch on the file itself misses after the first swap. Changes are debounced per model so a
 * copy in progress is not loaded half-written; if it is anyway, the sha256 check rejects it and
 * the next change event retries.
 * Rollback: a reload that fails validation keeps the model already running (logged, counted as
 * evedge_model_reloads_total{result="rejected"}); a model that was unavailable stays unavailable.
 */
import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from 'pino';
import { loadModel, type LoadedModel } from './model.js';
import type { RuntimeChoice, RuntimeName } from '../runtime/runtime.js';
import type { ScoringMetrics } from './metrics.js';

export interface ModelStatus {
  model: string;
  version: string | null;
  state: 'ready' | 'unavailable';
  /** The engine running it (models/runtime), when ready. */
  runtime?: RuntimeName;
  reason?: string;
}

interface Entry {
  model: LoadedModel | null;
  reason?: string;
  /** Label set last exported as evedge_model_info, to remove it when it changes. */
  infoLabels?: { model: string; version: string; state: string; runtime: string };
}

export class ModelRegistry {
  private readonly entries = new Map<string, Entry>();
  private watcher: FSWatcher | null = null;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private reloading = new Map<string, Promise<void>>();

  constructor(
    private readonly modelsDir: string,
    names: readonly string[],
    private readonly log: Logger,
    private readonly metrics: ScoringMetrics,
    /** Checks a freshly loaded model against the config (e.g. its trained horizon range); throws the reason. */
    private readonly accept: (model: LoadedModel) => void = () => undefined,
    /** The engine to run graphs on (scoring.runtime). */
    private readonly runtime: RuntimeChoice = 'auto',
  ) {
    for (const name of names) this.entries.set(name, { model: null, reason: 'not loaded yet' });
  }

  async loadAll(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((name) => this.reload(name, 'start')));
  }

  get(name: string): LoadedModel | null {
    return this.entries.get(name)?.model ?? null;
  }

  status(): ModelStatus[] {
    return [...this.entries].map(([name, entry]) => ({
      model: name,
      version: entry.model?.version ?? null,
      state: entry.model ? 'ready' : 'unavailable',
      ...(entry.model ? { runtime: entry.model.runtime } : { reason: entry.reason ?? 'unknown' }),
    }));
  }

  /** Loads `name` afresh and swaps it in when it validates. Concurrent calls for one model serialise. */
  reload(name: string, why: 'start' | 'change'): Promise<void> {
    const previous = this.reloading.get(name) ?? Promise.resolve();
    const next = previous.then(() => this.doReload(name, why));
    this.reloading.set(name, next);
    return next;
  }

  private async doReload(name: string, why: 'start' | 'change'): Promise<void> {
    const entry = this.entries.get(name);
    if (!entry) return;
    try {
      const fresh = await loadModel(this.modelsDir, name, this.runtime);
      try {
        this.accept(fresh);
      } catch (err) {
        await fresh.release().catch(() => undefined);
        throw err;
      }
      const old = entry.model;
      entry.model = fresh; // the swap: one assignment, so score() sees either the old or the new model
      delete entry.reason;
      if (old) void old.release().catch(() => undefined);
      if (why === 'change') this.metrics.reloads.inc({ model: name, result: 'swapped' });
      this.log.info({ model: name, version: fresh.version, sha256: fresh.sha256, runtime: fresh.runtime, why }, 'model loaded');
      // auto fell back: the gateway now carries onnxruntime's ~35 MB for this model; say why once.
      if (fresh.runtimeFallback) this.log.warn({ model: name, reason: fresh.runtimeFallback }, 'model runs on onnxruntime: the built-in engine does not support it');
    } catch (err) {
      const reason = (err as Error).message;
      if (why === 'change') this.metrics.reloads.inc({ model: name, result: 'rejected' });
      if (entry.model) {
        this.log.error({ model: name, keeping: entry.model.version, reason }, 'model reload rejected; keeping the running version');
      } else {
        entry.reason = reason;
        this.log.error({ model: name, reason }, 'model unavailable; scoring continues without it');
      }
    }
    this.exportInfo(name, entry);
  }

  private exportInfo(name: string, entry: Entry): void {
    const labels = { model: name, version: entry.model?.version ?? 'none', state: entry.model ? 'ready' : 'unavailable', runtime: entry.model?.runtime ?? 'none' };
    if (entry.infoLabels) this.metrics.modelInfo.remove(entry.infoLabels);
    this.metrics.modelInfo.set(labels, 1);
    entry.infoLabels = labels;
    this.metrics.modelAvailable.set({ model: name }, entry.model ? 1 : 0);
  }

  /** Starts watching the models folder. Errors (folder missing) are logged, never thrown. */
  watch(debounceMs: number): void {
    if (this.watcher) return;
    try {
      this.watcher = watch(this.modelsDir, (_event, filename) => {
        if (!filename) return;
        const name = String(filename).replace(/\.(onnx|card\.json)$/, '');
        if (name === String(filename) || !this.entries.has(name)) return;
        const pending = this.timers.get(name);
        if (pending) clearTimeout(pending);
        this.timers.set(name, setTimeout(() => {
          this.timers.delete(name);
          void this.reload(name, 'change');
        }, debounceMs));
      });
      this.watcher.on('error', (err) => this.log.warn({ err, dir: this.modelsDir }, 'model folder watch failed; hot reload off'));
    } catch (err) {
      this.log.warn({ err, dir: this.modelsDir }, 'cannot watch model folder; hot reload off');
    }
  }

  /** Resolves once every reload started so far has finished (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all(this.reloading.values());
  }

  async close(): Promise<void> {
    this.watcher?.close();
    this.watcher = null;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await this.settled();
    await Promise.all([...this.entries.values()].map(async (entry) => {
      const model = entry.model;
      entry.model = null;
      entry.reason = 'closed';
      if (model) await model.release().catch(() => undefined);
    }));
  }
}
