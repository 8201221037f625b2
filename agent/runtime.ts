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
