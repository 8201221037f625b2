/**
 * Regression tests for bugs the fuzz campaign found in other people's modules (reported to the
 * lead, see docs/RELIABILITY.md). Skipped until fixed so CI stays green; un-skip with the fix.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../config/load.js';

describe('fuzz findings', () => {
  // BUG config-unresolved-alias (config/load.ts parseConfig, `doc.toJS()`): a YAML alias with no
  // anchor ("*1", "*!") passes parseDocument without errors but toJS() throws a ReferenceError,
  // which escapes as a non-ConfigError (the CLI prints a stack instead of "FILE:LINE:COL ...").
  it.skip('an alias without its anchor is a ConfigError (config-unresolved-alias)', () => {
    for (const text of ['*!', 'gateway: { id: *gw }\n', 'devices:\n  - id: a\n    simulator: { seed: *1 }\n']) {
      expect(() => parseConfig(text, 'bad.yaml')).toThrow(ConfigError);
    }
  });
});
