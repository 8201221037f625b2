/**
 * Hosts the optional scoring stage inside the agent. Scoring is isolated: a missing or corrupt
 * model leaves that model unavailable (reported on /readyz) and the agent running; a stage that
 * cannot start at all leaves the agent running without predictions. Per-device feature state is
 * restored from state.sqlite at start and saved every minute and at shutdown, so a restart does
 * not forget capacity history or cycle counts.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AgentConfig } from '../config/schema.js';
import type { ScoringStage } from '../models/scoring/stage.js';
import type { Clock } from '../core/clock.js';
import type { AgentMetrics } from './metrics.js';
import { modelsDir } from './paths.js';
import type { PendingRecord } from '../core/record.js';
import { STATE_FILE_NAME, StateStore } from './state-store.js';

const STATE_SAVE_INTERVAL_MS = 60_000;
const STATE_KEY = 'scoring';

export class ScoringHost {
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly stage: ScoringStage,
    private readonly state: StateStore,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Undefined when scoring is disabled or could not start (counted and logged). */
  static async start(config: AgentConfig, deps: { registry: Registry; metrics: AgentMetrics; log: Logger; clock: Clock }): Promise<ScoringHost | undefined> {
    if (!config.scoring.enabled) return undefined;
    let state: StateStore | undefined;
    try {
      state = StateStore.open(join(config.data_dir, STATE_FILE_NAME), deps.log);
      // Imported here, not at the top: the scoring code (and onnxruntime, for a model the built-in
      // engine cannot run) is loaded only on gateways that score (agent.rss_mb_steady_scoring_off).
      const { ScoringStage } = await import('../models/scoring/stage.js');
      const stage = await ScoringStage.create({
        config: config.scoring,
        modelsDir: modelsDir(),
        registry: deps.registry,
        log: deps.log.child({ component: 'scoring' }),
        clock: deps.clock,
        gatewayId: config.gateway.id,
      });
      const saved = state.get(STATE_KEY);
      if (saved !== undefined) stage.restore(saved);
      const host = new ScoringHost(stage, state, deps.clock, deps.log);
      host.timer = setInterval(() => host.save(), STATE_SAVE_INTERVAL_MS);
      deps.metrics.componentUp.set({ component: 'scoring' }, 1);
      return host;
    } catch (err) {
      state?.close();
      deps.metrics.componentFailures.inc({ component: 'scoring' });
      deps.log.error({ err }, 'scoring stage failed to start; running without predictions');
      return undefined;
    }
  }

  score(batch: readonly PendingRecord[]): Promise<PendingRecord[]> {
    return this.stage.score(batch);
  }

  status(): unknown[] {
    return this.stage.status();
  }

  save(): void {
    try {
      this.state.put(STATE_KEY, this.stage.snapshot(), this.clock.now());
    } catch (err) {
      this.log.warn({ err }, 'saving scoring state failed');
    }
  }

  /** After the pipeline's final flush: the saved state then covers every committed record. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.save();
    await this.stage.close();
    this.state.close();
  }
}
