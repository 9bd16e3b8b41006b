import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/run-cli.js';

// `irsactl completion bash|zsh|fish`: the scripts' shape. The bash script is run in a real bash by
// test/integration/commands/completion-bash.test.ts (this tier needs nothing but Node).

async function script(shell: string): Promise<string> {
  const r = await runCli(['completion', shell], {});
  expect(r.code).toBe(0);
  expect(r.stderr).toBe('');
  return r.stdout;
}

describe('irsactl completion zsh|fish', () => {
  it('zsh: the bash function through bashcompinit', async () => {
    const zsh = await script('zsh');
    expect(zsh.startsWith('#compdef irsactl\n')).toBe(true);
    expect(zsh).toContain('bashcompinit');
    expect(zsh).toContain('complete -o default -F _irsactl irsactl');
  });

  it("fish: a complete line per command and flag, with -o's values", async () => {
    const fish = await script('fish');
    expect(fish).toContain("complete -c irsactl -f -n '__irsactl_at \\'get\\'' -a 'iamserviceaccount' -d ")
    expect(fish).toMatch(/-n '__irsactl_at \\'get iamserviceaccount\\'' -s o -l output -x -a 'table json yaml text'/);
  });

  it('an unknown shell is a usage error', async () => {
    const r = await runCli(['completion', 'powershell'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Allowed choices are bash, zsh, fish');
  });
});
