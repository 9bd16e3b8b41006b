import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { FILE_CONFLICTS, SERVICE_ACCOUNT_FLAGS } from '../../../src/config/service-account-flags.js';
import { addServiceAccountFlags } from '../../../src/commands/flags.js';
import { configFlagsFrom } from '../../../src/commands/options.js';

/** The one table of service-account flags: commander's names for them are the loader's keys. */
describe('service-account flag table', () => {
  it("each row's key is the name commander stores the flag under", () => {
    const cmd = addServiceAccountFlags(new Command('x'));
    for (const f of SERVICE_ACCOUNT_FLAGS) {
      const option = cmd.options.find((o) => o.long === f.flag);
      expect(option, f.flag).toBeDefined();
      if (f.key !== undefined) expect(option?.attributeName(), f.flag).toBe(f.key);
    }
  });

  it('a parsed command line becomes the loader flags, and every file field conflicts with -f', () => {
    const cmd = addServiceAccountFlags(new Command('x')).exitOverride();
    cmd.parse(['--name', 'app', '--attach-policy-arn', 'a,b', '--attach-policy-arn', 'c', '--role-only', '--tags', 't=1'], { from: 'user' });
    expect(configFlagsFrom(undefined, cmd.opts())).toMatchObject({ name: 'app', attachPolicyArn: ['a', 'b', 'c'], roleOnly: true, tags: 't=1' });
    expect(FILE_CONFLICTS.map((c) => c.flag)).toEqual([
      '--cluster', '--name', '--namespace', '--attach-policy-arn', '--attach-role-arn', '--role-name', '--role-only', '--tags', '--subject-pattern', '--permissions-boundary',
    ]);
  });
});
