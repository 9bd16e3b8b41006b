import { Command } from 'commander';
import type { DeleteOptions } from '../actions/delete.js';
import { addAwsFlags, addCfnFlags, addClusterFlag, addConfigFileFlags, addKubeFlags, addRunFlags, configFlagsFrom, connectionFrom, examples, readSource, runtimeFor, type CliContext, iamServiceAccountCommand } from './shared.js';

export function deleteIamServiceAccountCommand(ctx: CliContext): Command {
  const cmd = iamServiceAccountCommand('Delete iamserviceaccounts: the stack, and the ServiceAccount only when irsactl or eksctl manages it (others only lose the role annotation)');
  addClusterFlag(cmd);
  cmd.option('--name <name>', 'ServiceAccount name').option('--namespace <namespace>', 'ServiceAccount namespace (default "default")');
  addConfigFileFlags(cmd, { onlyMissing: true });
  cmd.option('-w, --wait', 'wait until the stacks are deleted');
  addAwsFlags(cmd);
  addCfnFlags(cmd);
  addKubeFlags(cmd);
  addRunFlags(cmd);
  cmd.addHelpText(
    'after',
    examples([
      'irsactl delete iamserviceaccount --cluster prod --namespace default --name s3-reader --wait',
      'irsactl delete iamserviceaccount -f cluster.yaml --include "backend-apps/*"            # plan',
      'irsactl delete iamserviceaccount -f cluster.yaml --only-missing --approve --wait',
    ]),
  );
  cmd.action(async (name: string | undefined, o: Record<string, unknown>) => {
    const flags = configFlagsFrom(name, o);
    const [{ resolveConfig }, { deleteIamServiceAccounts }] = await Promise.all([import('../config/resolve.js'), import('../actions/delete.js')]);
    const resolved = resolveConfig('delete', flags, await readSource(ctx, flags));
    await deleteIamServiceAccounts(runtimeFor(ctx, o), resolved, {
      approve: o.approve === true,
      wait: o.wait === true,
      onlyMissing: o.onlyMissing === true,
      output: o.output as DeleteOptions['output'],
      concurrency: o.concurrency as number,
      ...connectionFrom(o),
    });
  });
  return cmd;
}
