/**
 * Minimal flag parsing shared by the CLI subcommands and the scripts under models/ (training,
 * fleet generation): --name value, --name=value, positionals, and the boolean flags named in
 * `booleans` (which never consume the next word). Lives in core/ so scripts need not import agent/.
 */
export function parseFlags(args: string[], booleans: readonly string[] = []): { flags: Map<string, string | true>; positionals: string[] } {
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (eq > 0) flags.set(name, arg.slice(eq + 1));
    else if (booleans.includes(name) || i + 1 >= args.length) flags.set(name, true);
    else flags.set(name, args[++i] as string);
  }
  return { flags, positionals };
}
