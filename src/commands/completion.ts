import { Command } from 'commander';
import type { CliContext } from './context.js';
import { examples } from './help.js';
import { COMPLETION_SHELLS, completionScript, type CompletionCommand, type CompletionShell } from '../output/completion.js';

/** commander's tree as the completion scripts need it; the built-in --help and the implicit `help` command included. */
export function completionTree(cmd: Command): CompletionCommand {
  const options = cmd.options
    .filter((o) => !o.hidden)
    .map((o) => ({
      flags: [o.short, o.long].filter((f): f is string => f !== undefined),
      description: o.description,
      takesValue: o.required || o.optional,
      choices: o.argChoices ?? [],
    }));
  options.push({ flags: ['-h', '--help'], description: 'display help for command', takesValue: false, choices: [] });
  const commands = cmd.commands.map(completionTree);
  // `help <command>`: the command names are its argument's values.
  const names = commands.map((c) => c.name);
  if (commands.length > 0) commands.push({ name: 'help', aliases: [], description: 'display help for command', options: [], argumentChoices: names, commands: [] });
  const argumentChoices = cmd.registeredArguments.flatMap((a) => a.argChoices ?? []);
  return { name: cmd.name(), aliases: cmd.aliases(), description: cmd.description(), options, argumentChoices, commands };
}

/** `irsactl completion bash|zsh|fish`. `fullProgram` builds the whole tree: the running one defines only the group named. */
export function completionCommand(ctx: CliContext, fullProgram: () => Command): Command {
  const cmd = new Command('completion')
    .description('Print the shell completion script for bash, zsh or fish (commands, flags and fixed flag values)')
    .addArgument(new Command().createArgument('<shell>', 'bash, zsh or fish').choices(COMPLETION_SHELLS));
  cmd.addHelpText(
    'after',
    examples([
      'source <(irsactl completion bash)          # in ~/.bashrc',
      'source <(irsactl completion zsh)           # in ~/.zshrc',
      'irsactl completion fish > ~/.config/fish/completions/irsactl.fish',
    ]),
  );
  cmd.action((shell: CompletionShell) => {
    ctx.io.stdout.write(completionScript(shell, completionTree(fullProgram())));
  });
  return cmd;
}
