import { Agent } from '../agent.js';
import { ConfigError, loadConfig } from '../../config/load.js';
import { ALLOW_RUNTIME_ENV, applyRuntimeTuning, knownRuntimeProblem } from '../runtime.js';
import { parseFlags } from '../../core/flags.js';
import type { Command } from './command.js';

/** Where the config comes from: --config, then $EV_EDGE_CONFIG, else the built-in default. */
export function configPath(flags: Map<string, string | true>): string | undefined {
  const flag = flags.get('config');
  if (typeof flag === 'string') return flag;
  return process.env.EV_EDGE_CONFIG || undefined;
}

export const runCommand: Command = {
  name: 'run',
  summary: 'run the agent (the daemon)',
  usage: `ev-edge run [--config FILE]

Runs the agent in the foreground until SIGTERM or SIGINT, then flushes and exits 0.
With no --config (and no $EV_EDGE_CONFIG) it runs the built-in default: one simulated battery
pack and one simulated charger, buffer in ./data, metrics on http://127.0.0.1:9100/metrics.
Environment variables EV_EDGE__SECTION__KEY=value override config keys (secrets, endpoints).
Refuses (exit 2) to start on a Node.js release known to crash it (Node 24.19 and later abort inside
better-sqlite3 12) unless EV_EDGE_ALLOW_RUNTIME=1.`,
  async run(args) {
    const { flags } = parseFlags(args);
    const runtimeProblem = knownRuntimeProblem();
    if (runtimeProblem && process.env[ALLOW_RUNTIME_ENV] !== '1') {
      process.stderr.write(`ev-edge: ${runtimeProblem}\n`);
      return 2;
    }
    applyRuntimeTuning();
    let agent: Agent;
    try {
      const config = loadConfig(configPath(flags));
      agent = await Agent.start({ config });
    } catch (err) {
      process.stderr.write(`ev-edge: ${err instanceof ConfigError ? err.message : (err as Error).stack ?? String(err)}\n`);
      return err instanceof ConfigError ? 2 : 1;
    }
    return new Promise<number>((resolve) => {
      const shutdown = (signal: string) => {
        agent.log.info({ signal }, 'shutting down');
        agent.stop().then(
          () => resolve(0),
          (err: unknown) => {
            agent.log.error({ err }, 'shutdown failed');
            resolve(1);
          },
        );
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
    });
  },
};
