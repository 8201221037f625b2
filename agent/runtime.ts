/**
 * Node.js runtimes known to break the agent through a dependency, caught at start with a clear
 * message rather than discovered as a crash loop in the field.
 *
 * Node 24.19.0 backported a change to node::ObjectWrap: its destructor now removes an environment
 * cleanup hook and CHECKs that a Node environment is current. better-sqlite3 12 (ours) derives its
 * Statement from node::ObjectWrap, so a statement collected by the garbage collector when no
 * environment is current aborts the process (SIGABRT, "Assertion failed: (env) != nullptr" in
 * node::RemoveEnvironmentCleanupHook; nodejs/node#65446). Here the buffer's crash test aborts within
 * a second on 24.21.0 and passes on 20, 22 and 26 with the same better-sqlite3. better-sqlite3 13 moved
 * to Node-API and avoids it, but it needs Node 22 or newer and crashes on Node 20, which we support.
 */
import { setFlagsFromString } from 'node:v8';

/** The environment variable that starts the agent on a runtime listed here anyway. */
export const ALLOW_RUNTIME_ENV = 'EV_EDGE_ALLOW_RUNTIME';

/** Why this Node.js version cannot run the agent safely, or null when nothing is known against it. */
export function knownRuntimeProblem(version: string = process.versions.node): string | null {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!match) return null;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  if (major === 24 && minor >= 19) {
    return `Node.js ${version.replace(/^v/, '')} aborts (SIGABRT) when better-sqlite3 12 statements are garbage-collected `
      + '(Node 24.19 and later, nodejs/node#65446), which takes the buffer down under load; '
      + `run ev-edge on Node.js 22 or 26 (both tested), or set ${ALLOW_RUNTIME_ENV}=1 to start anyway`;
  }
  return null;
}

/**
 * V8's tier-up threshold for the agent (issue 15, agent.cpu_pct_10_devices). V8 optimises a
 * function once it has run about `interrupt budget` bytes of bytecode; at gateway rates (a record
 * per device per second) the functions the agent runs reach the default (67,584) only after
 * minutes, one after another, so TurboFan was still compiling minutes after start: 23 % of the
 * agent's CPU between 60 s and 5 min in a perf profile, and almost none by 5 min. An eighth of it
 * moves that work into the first seconds, where it is done once. The flag exists in V8 11 (Node
 * 20); later V8s tier up by invocation counts and refuse it on the command line (and with Maglev
 * between the tiers the trade-off was not measured), so it is set here, at run time, only on V8 11,
 * and never over a value the operator passed in the node flags.
 */
export const INTERRUPT_BUDGET = 8448;

export function tierUpFlags(v8Version: string = process.versions.v8, nodeFlags: string = nodeFlagsGiven()): string[] {
  if (Number(/^(\d+)\./.exec(v8Version)?.[1]) !== 11 || /--interrupt[-_]budget\b/.test(nodeFlags)) return [];
  return [`--interrupt-budget=${INTERRUPT_BUDGET}`];
}

function nodeFlagsGiven(): string {
  return `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
}

/** Applies tierUpFlags() to this process's V8 (before the agent's code gets hot); returns them. */
export function applyRuntimeTuning(): string[] {
  const flags = tierUpFlags();
  for (const flag of flags) setFlagsFromString(flag);
  return flags;
}
