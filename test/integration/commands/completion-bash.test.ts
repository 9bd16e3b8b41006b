import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/run-cli.js';

// `irsactl completion bash` in a real bash: the script is sourced in a plain `bash --norc` (no bash-completion
// package) and its function is run on a partial command line, as bash does on Tab.

async function script(shell: string): Promise<string> {
  const r = await runCli(['completion', shell], {});
  expect(r.code).toBe(0);
  expect(r.stderr).toBe('');
  return r.stdout;
}

/** The candidates bash would offer for `line` (the cursor at its end; a trailing space starts a new word). */
function completeInBash(bashScript: string, line: string): string[] {
  const words = line.split(' ');
  const program = [
    bashScript,
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`,
    `COMP_CWORD=${words.length - 1}`,
    `COMP_LINE='${line}'`,
    `COMP_POINT=${line.length}`,
    '_irsactl',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const out = execFileSync('bash', ['--norc', '--noprofile', '-c', program], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  return out.split('\n').filter((l) => l !== '');
}

describe('irsactl completion bash', () => {
  it('completes commands, subcommands (aliases understood), flags and fixed flag values', async () => {
    const bash = await script('bash');
    expect(completeInBash(bash, 'irsactl ')).toEqual(['create', 'get', 'update', 'delete', 'utils', 'policies', 'apply', 'doctor', 'version', 'completion', 'help']);
    expect(completeInBash(bash, 'irsactl g')).toEqual(['get']);
    expect(completeInBash(bash, 'irsactl get iam')).toEqual(['iamserviceaccount']);
    expect(completeInBash(bash, 'irsactl create pod')).toEqual(['podidentityassociation']);
    expect(completeInBash(bash, 'irsactl utils ')).toEqual(['associate-iam-oidc-provider', 'migrate-to-pod-identity', 'schema', 'help']);
    expect(completeInBash(bash, 'irsactl get iamserviceaccount --clu')).toEqual(['--cluster']);
    expect(completeInBash(bash, 'irsactl get iamserviceaccounts --cluster prod -o ')).toEqual(['table', 'json', 'yaml', 'text']);
    expect(completeInBash(bash, 'irsactl help d')).toEqual(['delete', 'doctor']);
    expect(completeInBash(bash, 'irsactl get iamserviceaccount -n default --na')).toEqual(['--name', '--namespace']);
    expect(completeInBash(bash, 'irsactl create iamserviceaccount -o j')).toEqual(['json']);
    expect(completeInBash(bash, 'irsactl apply --app')).toEqual(['--apply-set', '--approve']);
    expect(completeInBash(bash, 'irsactl completion ')).toEqual(['bash', 'zsh', 'fish']);
    // a value flag's value is skipped: "get" here is the cluster's name, not the command
    expect(completeInBash(bash, 'irsactl doctor --cluster get --li')).toEqual(['--live']);
    // a flag without fixed values completes nothing itself (complete -o default then offers file names)
    expect(completeInBash(bash, 'irsactl apply -f ')).toEqual([]);
  });

  it('registers the function for irsactl', async () => {
    const out = execFileSync('bash', ['--norc', '--noprofile', '-c', `${await script('bash')}\ncomplete -p irsactl`], { encoding: 'utf8' });
    expect(out.trim()).toBe('complete -o default -F _irsactl irsactl');
  });
});

