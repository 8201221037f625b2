import { ConfigError, loadConfig } from '../../config/load.js';
import type { Command } from './command.js';

export const checkConfigCommand: Command = {
  name: 'check-config',
  summary: 'validate a config file and print every problem',
  usage: `ev-edge check-config FILE

Validates FILE (with EV_EDGE__* environment overrides applied) and prints every problem at once,
one per line as FILE:LINE:COL path: what was expected. Exits 0 when valid, 2 when not.`,
  async run(args) {
    const file = args.find((a) => !a.startsWith('--'));
    if (!file) {
      process.stderr.write('ev-edge check-config: missing FILE\n');
      return 2;
    }
    try {
      const config = loadConfig(file);
      process.stdout.write(`${file}: ok (${config.devices.length} device(s), gateway ${config.gateway.id})\n`);
      return 0;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
  },
};
