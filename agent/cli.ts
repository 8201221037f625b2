#!/usr/bin/env node
/** `ev-edge SUBCOMMAND ...`: dispatches to agent/commands/*, prints help for each. */
import { commands } from './commands/index.js';
import { packageVersion as version } from './paths.js';

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `ev-edge ${version()}: edge gateway agent for EV battery packs and chargers`,
    '',
    'Usage: ev-edge COMMAND [options]    (ev-edge COMMAND --help for details)',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(help());
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === '--version') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  // Longest match first so 'buffer status' wins over a hypothetical 'buffer'.
  const sorted = [...commands].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
  const command = sorted.find((c) => c.name.split(' ').every((word, i) => argv[i] === word));
  if (!command) {
    process.stderr.write(`ev-edge: unknown command "${argv.join(' ')}"\n\n${help()}`);
    return 2;
  }
  const rest = argv.slice(command.name.split(' ').length);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`ev-edge: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
