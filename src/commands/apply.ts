import { Command } from 'commander';
import { convergeOptionsFrom } from './create-iamserviceaccount.js';
import { addAwsFlags, addCfnFlags, addConfigFileFlags, addKubeFlags, addRunFlags, configFlagsFrom, examples, readSource, runtimeFor, type CliContext } from './shared.js';

export function applyCommand(ctx: CliContext): Command {
  const cmd = new Command('apply').description(
    'Converge a ClusterConfig: create what is missing, update what differs, repair ServiceAccount annotations, replace failed stacks; --prune deletes stacks no longer in the file',
  );
  addConfigFileFlags(cmd);
  cmd.option('--prune', 'also delete iamserviceaccount stacks of this cluster that the file no longer names (never system namespaces unless named exactly)');
  addAwsFlags(cmd);
  addCfnFlags(cmd);
  addKubeFlags(cmd);
  addRunFlags(cmd);
  cmd.addHelpText('after', examples(['irsactl apply -f cluster.yaml                 # plan', 'irsactl apply -f cluster.yaml --approve', 'irsactl apply -f cluster.yaml --prune --approve']));
  cmd.action(async (o: Record<string, unknown>) => {
    const flags = configFlagsFrom(undefined, o);
    const [{ resolveConfig }, { applyClusterConfig }] = await Promise.all([import('../config/load.js'), import('../actions/apply.js')]);
    const resolved = resolveConfig('apply', flags, await readSource(ctx, flags));
    await applyClusterConfig(runtimeFor(ctx, o), resolved, { ...convergeOptionsFrom(o), overrideExisting: true, prune: o.prune === true });
  });
  return cmd;
}
