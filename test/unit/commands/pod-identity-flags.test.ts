import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { POD_IDENTITY_FLAGS, podIdentityFlagsFor } from '../../../src/config/pod-identity-flags.js';
import { addPodIdentityFlags } from '../../../src/commands/flags.js';
import { configFlagsFrom } from '../../../src/commands/options.js';
import { resolvePodIdentityConfig } from '../../../src/config/resolve.js';

/** The one table of podidentityassociation flags: commander's names for them are the loader's keys. */
describe('podidentityassociation flag table', () => {
  it("each command has eksctl's flags, stored under the row's key", () => {
    const longs = (kind: 'create' | 'get' | 'update' | 'delete') => addPodIdentityFlags(new Command('x'), kind).options.map((o) => o.long);
    expect(longs('create')).toEqual([
      '--namespace', '--service-account-name', '--role-arn', '--role-name', '--permission-policy-arns', '--well-known-policies',
      '--permission-boundary-arn', '--permissions-boundary-arn', '--tags', '--create-service-account', '--target-role-arn', '--disable-session-tags', '--policy',
    ]);
    expect(longs('get')).toEqual(['--namespace', '--service-account-name']);
    expect(longs('delete')).toEqual(['--namespace', '--service-account-name']);
    expect(longs('update')).toEqual(['--namespace', '--service-account-name', '--role-arn', '--target-role-arn', '--disable-session-tags', '--no-disable-session-tags', '--policy']);
    for (const kind of ['create', 'get', 'update', 'delete'] as const) {
      const cmd = addPodIdentityFlags(new Command('x'), kind);
      for (const f of podIdentityFlagsFor(kind)) expect(cmd.options.find((o) => o.long === f.flag)?.attributeName(), f.flag).toBe(f.key);
    }
    expect(POD_IDENTITY_FLAGS.every((f) => f.kinds.length > 0)).toBe(true);
  });

  it('a parsed create command line becomes the loader flags and the same entry a file would hold', () => {
    const cmd = addPodIdentityFlags(new Command('x').option('-c, --cluster <name>'), 'create').exitOverride();
    cmd.parse(
      ['-c', 'demo', '-n', 'backend', '--service-account-name', 'app', '--permission-policy-arns', 'arn:aws:iam::aws:policy/A,arn:aws:iam::aws:policy/B',
        '--permission-policy-arns', 'arn:aws:iam::aws:policy/C', '--well-known-policies', 'autoScaler', '--create-service-account', '--disable-session-tags'],
      { from: 'user' },
    );
    const flags = configFlagsFrom(undefined, cmd.opts());
    expect(flags).toMatchObject({
      cluster: 'demo',
      namespace: 'backend',
      serviceAccountName: 'app',
      permissionPolicyArns: ['arn:aws:iam::aws:policy/A', 'arn:aws:iam::aws:policy/B', 'arn:aws:iam::aws:policy/C'],
      wellKnownPolicies: 'autoScaler',
      createServiceAccount: true,
      disableSessionTags: true,
    });
    expect(resolvePodIdentityConfig('create', flags).selectedPodIdentity[0]).toMatchObject({ createServiceAccount: true, disableSessionTags: true, wellKnownPolicies: { autoScaler: true } });
  });

  it('update: --disable-session-tags, --no-disable-session-tags, or neither (undefined: left as it is)', () => {
    const parse = (args: string[]) => {
      const cmd = addPodIdentityFlags(new Command('x'), 'update').exitOverride();
      cmd.parse(args, { from: 'user' });
      return configFlagsFrom(undefined, cmd.opts()).disableSessionTags;
    };
    expect(parse([])).toBeUndefined();
    expect(parse(['--disable-session-tags'])).toBe(true);
    expect(parse(['--no-disable-session-tags'])).toBe(false);
  });
});
