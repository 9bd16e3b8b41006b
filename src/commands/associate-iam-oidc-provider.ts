import { Command } from 'commander';
import { addAwsFlags, addClusterFlag, addRunFlags } from './flags.js';
import { resolveFor, runtimeFor, type CliContext } from './context.js';
import { examples } from './help.js';
import { configFlagsFrom, optionsOf, outputOf, type OptionBag } from './options.js';

export function associateIamOidcProviderCommand(ctx: CliContext): Command {
  const cmd = new Command('associate-iam-oidc-provider')
    .description("Create the IAM OIDC provider for a cluster's issuer, so IAM trusts the tokens the cluster signs for ServiceAccounts")
    .argument('[cluster]', 'cluster name (or --cluster)');
  addClusterFlag(cmd);
  cmd.option('-f, --config-file <path>', "ClusterConfig file (eksctl's format), or - for stdin");
  addAwsFlags(cmd);
  addRunFlags(cmd, { concurrency: false });
  cmd.addHelpText(
    'after',
    examples([
      'irsactl utils associate-iam-oidc-provider --cluster prod --region us-west-2            # plan',
      'irsactl utils associate-iam-oidc-provider --cluster prod --region us-west-2 --approve',
      'irsactl utils associate-iam-oidc-provider -f cluster.yaml --approve',
    ]),
  );
  cmd.action(async (cluster: string | undefined, o: OptionBag) => {
    const flags = configFlagsFrom(cluster, o);
    const rt = runtimeFor(ctx, o);
    const [resolved, { associateOidcProvider }] = await Promise.all([resolveFor(ctx, rt, 'associate', flags), import('../actions/associate-command.js')]);
    await associateOidcProvider(rt, resolved, {
      approve: optionsOf(o).flag('approve') === true,
      output: outputOf(o, ['text', 'json', 'yaml']),
      profile: optionsOf(o).string('profile'),
    });
  });
  return cmd;
}
