import { Command } from 'commander';
import type { GetOptions } from '../actions/get.js';
import { addAwsFlags, addClusterFlag, addConfigFileFlags, addKubeFlags, addRunFlags, configFlagsFrom, connectionFrom, examples, readSource, runtimeFor, type CliContext, iamServiceAccountCommand } from './shared.js';

export function getIamServiceAccountCommand(ctx: CliContext): Command {
  const cmd = iamServiceAccountCommand("List iamserviceaccounts (found by eksctl's stack tags) with a STATUS: ok, missing serviceaccount, stale annotation, stack failed");
  addClusterFlag(cmd);
  cmd.option('--name <name>', 'only this ServiceAccount name').option('--namespace <namespace>', 'only this namespace');
  addConfigFileFlags(cmd);
  addAwsFlags(cmd);
  addKubeFlags(cmd);
  cmd.option('--ignore-kubernetes-errors', 'when the Kubernetes API cannot be read, list the stacks with STATUS unknown and exit 0');
  addRunFlags(cmd, { approve: false, concurrency: false, output: ['table', 'json', 'yaml'] });
  cmd.addHelpText('after', examples(['irsactl get iamserviceaccount --cluster prod', 'irsactl get iamserviceaccount --cluster prod --namespace kube-system -o yaml', 'irsactl get iamserviceaccounts -f cluster.yaml --include "kube-system/*"']));
  cmd.action(async (name: string | undefined, o: Record<string, unknown>) => {
    const flags = configFlagsFrom(name, o);
    const [{ resolveConfig }, { getIamServiceAccounts }] = await Promise.all([import('../config/resolve.js'), import('../actions/get.js')]);
    const resolved = resolveConfig('get', flags, await readSource(ctx, flags));
    await getIamServiceAccounts(runtimeFor(ctx, o), resolved, {
      output: o.output as GetOptions['output'],
      ignoreKubernetesErrors: o.ignoreKubernetesErrors === true,
      ...connectionFrom(o),
    });
  });
  return cmd;
}
