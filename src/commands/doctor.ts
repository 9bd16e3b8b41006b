import { Command } from 'commander';
import { addAwsFlags, addClusterFlag, addConfigFileFlags, addKubeFlags, addRunFlags, addServiceAccountNameFlags } from './flags.js';
import { resolveFor, runtimeFor, type CliContext } from './context.js';
import { examples } from './help.js';
import { configFlagsFrom, connectionFrom, optionsOf, outputOf, type OptionBag } from './options.js';

export function doctorCommand(ctx: CliContext): Command {
  const cmd = new Command('doctor').description(
    "Check every link of IRSA for ServiceAccounts (OIDC provider, role, trust policy, webhook annotations, pods; --live: a real STS call) and say how to fix each broken one. Read-only.",
  );
  cmd.argument('[name]', 'one ServiceAccount: NAME (or --name) with -n NAMESPACE, or NAMESPACE/NAME');
  addClusterFlag(cmd);
  addServiceAccountNameFlags(cmd, {
    name: 'one ServiceAccount (namespace default "default")',
    namespace: 'without a name: every annotated ServiceAccount in this namespace (default: the whole cluster)',
  });
  cmd.option('--live', 'also mint a token for each ServiceAccount (TokenRequest, needs "create" on serviceaccounts/token) and call STS AssumeRoleWithWebIdentity with it');
  addConfigFileFlags(cmd);
  addAwsFlags(cmd);
  addKubeFlags(cmd);
  addRunFlags(cmd, { approve: false, concurrency: false, output: ['text', 'json'] });
  cmd.addHelpText(
    'after',
    examples([
      'irsactl doctor s3-reader --cluster prod -n default              # or: irsactl doctor default/s3-reader --cluster prod',
      'irsactl doctor --cluster prod --namespace kube-system          # every annotated ServiceAccount there',
      'irsactl doctor --cluster prod --live -o json                    # whole cluster, with a real STS call; exit 1 on any failure',
    ]),
  );
  cmd.action(async (name: string | undefined, o: OptionBag) => {
    const flags = configFlagsFrom(name, o);
    const rt = runtimeFor(ctx, o);
    const [resolved, { doctor }] = await Promise.all([resolveFor(ctx, rt, 'doctor', flags), import('../actions/doctor.js')]);
    // by flags, what to check is looked up in the cluster; from a file, it is the file's selection
    const { lookup } = resolved;
    await doctor(rt, {
      cluster: resolved.cluster.name,
      region: resolved.region,
      ...connectionFrom(o),
      ...(lookup ? {} : { serviceAccounts: resolved.selected.map((s) => ({ namespace: s.namespace, name: s.name })) }),
      name: lookup?.name,
      namespace: lookup?.namespace,
      live: optionsOf(o).flag('live') === true,
      output: outputOf(o, ['text', 'json']),
    });
  });
  return cmd;
}
