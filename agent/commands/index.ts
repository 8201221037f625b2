/** Every CLI subcommand, in the order `ev-edge --help` lists them. A command adds one line here. */
import type { Command } from './command.js';

export const commands: Command[] = [];
