// Shell completion scripts for bash, zsh and fish, made from a plain description of the command tree (the commands
// file builds it from commander's), so every command, flag and fixed flag value stays in step with the CLI itself.

export interface CompletionOption {
  /** the spellings, e.g. ['-o', '--output'] */
  flags: string[];
  description: string;
  takesValue: boolean;
  /** the fixed values, when the option has them (`-o table|json|yaml`) */
  choices: string[];
}

export interface CompletionCommand {
  name: string;
  aliases: string[];
  description: string;
  options: CompletionOption[];
  /** fixed values of its positional arguments (`completion bash|zsh|fish`) */
  argumentChoices: string[];
  commands: CompletionCommand[];
}

export type CompletionShell = 'bash' | 'zsh' | 'fish';
export const COMPLETION_SHELLS: readonly CompletionShell[] = ['bash', 'zsh', 'fish'];

interface Node {
  path: string;
  command: CompletionCommand;
}

function nodes(root: CompletionCommand): Node[] {
  const out: Node[] = [];
  const visit = (command: CompletionCommand, path: string) => {
    out.push({ path, command });
    for (const sub of command.commands) visit(sub, path === '' ? sub.name : `${path} ${sub.name}`);
  };
  visit(root, '');
  return out;
}

/** Single-quoted for bash and fish (every name and choice here is plain, but descriptions are prose). */
const sq = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;
const fishQuote = (s: string): string => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

function bash(root: CompletionCommand): string {
  const fn = `_${root.name}`;
  const all = nodes(root);
  /** A shell function printing the words of the first row whose pattern matches its subject ("$1" or "$1/$2"). */
  const lookup = (name: string, subject: string, rows: [string, string][]) =>
    [`${fn}_${name}() {`, `  case "${subject}" in`, ...rows.map(([pattern, words]) => `    ${pattern}) echo ${sq(words)} ;;`), '  esac', '}'].join('\n');
  const perPath = (words: (command: CompletionCommand) => string[]) => all.map(({ path, command }): [string, string] => [sq(path), words(command).join(' ')]);
  const next = all.flatMap(({ path, command }) =>
    command.commands.map((sub): [string, string] => [[sub.name, ...sub.aliases].map((w) => sq(`${path}/${w}`)).join('|'), path === '' ? sub.name : `${path} ${sub.name}`]),
  );
  const choices = all.flatMap(({ path, command }) =>
    command.options.filter((o) => o.choices.length > 0).map((o): [string, string] => [o.flags.map((f) => sq(`${path}/${f}`)).join('|'), o.choices.join(' ')]),
  );
  return `# ${root.name} completion for bash: source <(${root.name} completion bash)
${lookup('next', '$1/$2', next)}
${lookup('words', '$1', perPath((c) => [...c.commands.map((sub) => sub.name), ...c.argumentChoices]))}
${lookup('flags', '$1', perPath((c) => c.options.flatMap((o) => o.flags)))}
${lookup('value_flags', '$1', perPath((c) => c.options.filter((o) => o.takesValue).flatMap((o) => o.flags)))}
${lookup('choices', '$1/$2', choices)}
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" i w next
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    if [[ "$w" == -* ]]; then
      # a flag's value is the next word, unless written --flag=value
      if [[ "$w" != *=* && " $(${fn}_value_flags "$path") " == *" $w "* ]]; then ((i++)); fi
      continue
    fi
    next="$(${fn}_next "$path" "$w")"
    if [[ -n "$next" ]]; then path="$next"; fi
  done
  local prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if ((COMP_CWORD > 1)) && [[ "$prev" == -* && " $(${fn}_value_flags "$path") " == *" $prev "* ]]; then
    # fixed values when the flag has them; otherwise nothing here, and -o default completes file names
    COMPREPLY=($(compgen -W "$(${fn}_choices "$path" "$prev")" -- "$cur"))
    return 0
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(${fn}_flags "$path")" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$(${fn}_words "$path")" -- "$cur"))
  fi
  return 0
}
complete -o default -F ${fn} ${root.name}
`;
}

function zsh(root: CompletionCommand): string {
  // zsh runs the bash function through its bashcompinit layer: one script to keep right, as many CLIs do.
  return `#compdef ${root.name}
# ${root.name} completion for zsh: source <(${root.name} completion zsh)
(( $+functions[compdef] )) || { autoload -U +X compinit && compinit }
autoload -U +X bashcompinit && bashcompinit
${bash(root).split('\n').slice(1).join('\n')}`;
}

function fish(root: CompletionCommand): string {
  const fn = `__${root.name}_at`;
  const all = nodes(root);
  const commandWords = [...new Set(all.slice(1).flatMap(({ command }) => [command.name, ...command.aliases]))];
  const canonical = [...new Set(all.slice(1).flatMap(({ command }) => command.aliases.map((a) => `        case ${a}\n            set w ${command.name}`)))];
  const lines = [
    `# ${root.name} completion for fish: ${root.name} completion fish | source`,
    `function ${fn} --description 'true when the command line is at this ${root.name} (sub)command'`,
    '    set -l path',
    '    for w in (commandline -opc)[2..-1]',
    `        contains -- $w ${commandWords.join(' ')}; or continue`,
    ...(canonical.length > 0 ? ['        switch $w', ...canonical, '        end'] : []),
    '        set path $path $w',
    '    end',
    '    test "$path" = "$argv[1]"',
    'end',
  ];
  for (const { path, command } of all) {
    const at = `-n ${fishQuote(`${fn} ${sq(path)}`)}`;
    for (const sub of command.commands) lines.push(`complete -c ${root.name} -f ${at} -a ${fishQuote(sub.name)} -d ${fishQuote(sub.description)}`);
    if (command.argumentChoices.length > 0) lines.push(`complete -c ${root.name} -f ${at} -a ${fishQuote(command.argumentChoices.join(' '))}`);
    for (const o of command.options) {
      const spell = o.flags.map((f) => (f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`)).join(' ');
      const value = o.choices.length > 0 ? ` -x -a ${fishQuote(o.choices.join(' '))}` : o.takesValue ? ' -r' : '';
      lines.push(`complete -c ${root.name} ${at} ${spell}${value} -d ${fishQuote(o.description)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The completion script for `shell`. */
export function completionScript(shell: CompletionShell, root: CompletionCommand): string {
  if (shell === 'bash') return bash(root);
  if (shell === 'zsh') return zsh(root);
  return fish(root);
}
