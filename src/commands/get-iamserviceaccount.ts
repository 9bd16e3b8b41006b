import { Command } from 'commander';
import { addAwsFlags, addClusterFlag, addConfigFileFlags, addKubeFlags, addRunFlags, addServiceAccountNameFlags } from './flags.js';
import { resolveFor, runtimeFor, type CliContext } from './context.js';
import { examples, iamServiceAccountCommand } from './help.js';
import { configFlagsFrom, connectionFrom, optionsOf, outputOf, type OptionBag } from './options.js';

export function getIamServiceAccountCommand(ctx: CliContext): Command {
  const cmd = iamServiceAccountCommand("List iamserviceaccounts (found by eksctl's stack tags) with a STATUS: ok, missing serviceaccount, stale annotation, stack failed");
  addClusterFlag(cmd);
  addServiceAccountNameFlags(cmd, { name: 'only this ServiceAccount name', namespace: 'only this namespace' });
  addConfigFileFlags(cmd);
  addAwsFlags(cmd);
  addKubeFlags(cmd);
  cmd.option('--ignore-kubernetes-errors', 'when the Kubernetes API cannot be read, list the stacks with STATUS unknown and exit 0');
  addRunFlags(cmd, { approve: false, concurrency: false, output: ['table', 'json', 'yaml'] });
  cmd.addHelpText('after', examples(['irsactl get iamserviceaccount --cluster prod', 'irsactl get iamserviceaccount --cluster prod --namespace kube-system -o yaml', 'irsactl get iamserviceaccounts -f cluster.yaml --include "kube-system/*"']));
  cmd.action(async (name: string | undefined, o: OptionBag) => {
    const flags = configFlagsFrom(name, o);
    const rt = runtimeFor(ctx, o);
    const [resolved, { getIamServiceAccounts }] = await Promise.all([resolveFor(ctx, rt, 'get', flags), import('../actions/get.js')]);
    await getIamServiceAccounts(rt, resolved, {
      output: outputOf(o, ['table', 'json', 'yaml']),
      ignoreKubernetesErrors: optionsOf(o).flag('ignoreKubernetesErrors') === true,
      ...connectionFrom(o),
    });
  });
  return cmd;
}
