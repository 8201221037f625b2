/** One CLI subcommand. Each lives in its own file and is listed in agent/commands/index.ts. */
export interface Command {
  /** Words that select it, e.g. 'run' or 'buffer status'. */
  name: string;
  summary: string;
  /** Full usage text printed by `ev-edge NAME --help`. */
  usage: string;
  /** Returns the process exit code. Writes results to stdout, problems to stderr. */
  run(args: string[]): Promise<number>;
}
