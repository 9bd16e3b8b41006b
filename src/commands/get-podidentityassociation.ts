import { Command } from 'commander';
import { addAwsFlags, addClusterFlag, addConfigFileFlags, addPodIdentityFlags, addRunFlags } from './flags.js';
import { resolvePodIdentityFor, runtimeFor, type CliContext } from './context.js';
import { examples } from './help.js';
import { configFlagsFrom, connectionFrom, outputOf, type OptionBag } from './options.js';

export function getPodIdentityAssociationCommand(ctx: CliContext): Command {
  const cmd = new Command('podidentityassociation')
    .alias('podidentityassociations')
    .description('List EKS Pod Identity associations (as eksctl does) with their target role and a STATUS: ok, role stack failed, owned by add-on, session tags disabled');
  addClusterFlag(cmd);
  addPodIdentityFlags(cmd, 'get');
  addConfigFileFlags(cmd);
  addAwsFlags(cmd);
  addRunFlags(cmd, { approve: false, concurrency: false, output: ['table', 'json', 'yaml'] });
  cmd.addHelpText(
    'after',
    examples([
      'irsactl get podidentityassociation --cluster prod',
      'irsactl get podidentityassociation --cluster prod --namespace backend --service-account-name s3-reader -o yaml',
      'irsactl get podidentityassociations -f cluster.yaml --include "kube-system/*"',
    ]),
  );
  cmd.action(async (o: OptionBag) => {
    const flags = configFlagsFrom(undefined, o);
    const rt = runtimeFor(ctx, o);
    const [resolved, { getPodIdentityAssociations }] = await Promise.all([resolvePodIdentityFor(ctx, rt, 'get', flags), import('../actions/get-pod-identity.js')]);
    await getPodIdentityAssociations(rt, resolved, { output: outputOf(o, ['table', 'json', 'yaml']), ...connectionFrom(o) });
  });
  return cmd;
}
