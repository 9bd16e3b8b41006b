import { Command } from 'commander';
import { DEFAULT_CONCURRENCY, addAwsFlags, addCfnFlags, addClusterFlag, addConfigFileFlags, addKubeFlags, addRunFlags, addServiceAccountNameFlags } from './flags.js';
import { recordOutcome, resolveFor, runtimeFor, type CliContext } from './context.js';
import { examples, iamServiceAccountCommand } from './help.js';
import { configFlagsFrom, connectionFrom, optionsOf, outputOf, type OptionBag } from './options.js';

export function deleteIamServiceAccountCommand(ctx: CliContext): Command {
  const cmd = iamServiceAccountCommand('Delete iamserviceaccounts: the stack, and the ServiceAccount only when irsactl or eksctl manages it (others only lose the role annotation)');
  addClusterFlag(cmd);
  addServiceAccountNameFlags(cmd);
  addConfigFileFlags(cmd, { onlyMissing: true });
  cmd.option('-w, --wait', 'wait until the stacks are deleted');
  addAwsFlags(cmd);
  addCfnFlags(cmd);
  addKubeFlags(cmd);
  addRunFlags(cmd, { exitCode: true });
  cmd.addHelpText(
    'after',
    examples([
      'irsactl delete iamserviceaccount --cluster prod --namespace default --name s3-reader --wait',
      'irsactl delete iamserviceaccount -f cluster.yaml --include "backend-apps/*"            # plan',
      'irsactl delete iamserviceaccount -f cluster.yaml --only-missing --approve --wait',
    ]),
  );
  cmd.action(async (name: string | undefined, o: OptionBag) => {
    const flags = configFlagsFrom(name, o);
    const opt = optionsOf(o);
    const rt = runtimeFor(ctx, o);
    const [resolved, { deleteIamServiceAccounts }] = await Promise.all([resolveFor(ctx, rt, 'delete', flags), import('../actions/delete.js')]);
    const { changes } = await deleteIamServiceAccounts(rt, resolved, {
      approve: opt.flag('approve') === true,
      wait: opt.flag('wait') === true,
      onlyMissing: flags.onlyMissing === true,
      output: outputOf(o, ['text', 'json', 'yaml']),
      concurrency: opt.number('concurrency') ?? DEFAULT_CONCURRENCY,
      ...connectionFrom(o),
    });
    recordOutcome(ctx, o, changes);
  });
  return cmd;
}
