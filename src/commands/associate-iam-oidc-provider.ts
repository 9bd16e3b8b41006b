import { Command } from 'commander';
import { addAwsFlags, addClusterFlag, addRunFlags, configFlagsFrom, examples, readSource, runtimeFor, type CliContext } from './shared.js';

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
  cmd.action(async (cluster: string | undefined, o: Record<string, unknown>) => {
    const flags = configFlagsFrom(cluster, o);
    const [{ resolveConfig }, { associateOidcProvider }] = await Promise.all([import('../config/resolve.js'), import('../actions/associate-command.js')]);
    const resolved = resolveConfig('associate', flags, await readSource(ctx, flags));
    await associateOidcProvider(runtimeFor(ctx, o), resolved, {
      approve: o.approve === true,
      output: (o.output as 'text' | 'json' | 'yaml') ?? 'text',
      profile: o.profile as string | undefined,
    });
  });
  return cmd;
}
