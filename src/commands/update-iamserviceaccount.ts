import { Command } from 'commander';
import { convergeOptionsFrom } from './create-iamserviceaccount.js';
import { addAwsFlags, addClusterFlag, addConfigFileFlags, addKubeFlags, addRunFlags, addServiceAccountFlags, configFlagsFrom, examples, readSource, runtimeFor, type CliContext, iamServiceAccountCommand } from './shared.js';

export function updateIamServiceAccountCommand(ctx: CliContext): Command {
  const cmd = iamServiceAccountCommand('Update an iamserviceaccount: policies, inline and well-known policies, boundary, tags, subject pattern; shows a real diff first');
  addClusterFlag(cmd);
  addServiceAccountFlags(cmd, { full: true });
  addConfigFileFlags(cmd);
  addAwsFlags(cmd);
  addKubeFlags(cmd);
  addRunFlags(cmd);
  cmd.addHelpText(
    'after',
    examples([
      '# the diff of the live stack against the new policies, then the update',
      'irsactl update iamserviceaccount --cluster prod --name s3-reader --attach-policy-arn arn:aws:iam::aws:policy/AmazonS3FullAccess',
      'irsactl update iamserviceaccount --cluster prod --name s3-reader --attach-policy-arn arn:aws:iam::aws:policy/AmazonS3FullAccess --approve',
      'irsactl update iamserviceaccount -f cluster.yaml -o json        # the diff in machine form',
    ]),
  );
  cmd.action(async (name: string | undefined, o: Record<string, unknown>) => {
    const flags = configFlagsFrom(name, o);
    const [{ resolveConfig }, { converge }] = await Promise.all([import('../config/load.js'), import('../actions/converge.js')]);
    const resolved = resolveConfig('update', flags, await readSource(ctx, flags));
    await converge(runtimeFor(ctx, o), 'update', resolved, { ...convergeOptionsFrom(o), overrideExisting: true });
  });
  return cmd;
}
