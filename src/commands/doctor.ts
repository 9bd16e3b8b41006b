import { Command } from 'commander';
import { addAwsFlags, addClusterFlag, addConfigFileFlags, addKubeFlags, addRunFlags, addServiceAccountNameFlags } from './flags.js';
import { resolveFor, runtimeFor, type CliContext } from './context.js';
import { examples } from './help.js';
import { configFlagsFrom, connectionFrom, optionsOf, outputOf, type OptionBag } from './options.js';

function fileServiceAccounts(irsa: { namespace: string; name: string }[], podIdentity: { namespace: string; serviceAccountName: string }[]): { namespace: string; name: string }[] {
  const all = [...irsa, ...podIdentity.map((p) => ({ namespace: p.namespace, name: p.serviceAccountName }))];
  return [...new Map(all.map((s) => [`${s.namespace}/${s.name}`, { namespace: s.namespace, name: s.name }])).values()];
}

export function doctorCommand(ctx: CliContext): Command {
  const cmd = new Command('doctor').description(
    "Check every link of IRSA and EKS Pod Identity for ServiceAccounts (which mechanism is in effect; OIDC provider, role, trust policy, webhook annotations, pods; the association, its roles, the agent; --live: a real STS or EKS Auth call) and say how to fix each broken one. Read-only.",
  );
  cmd.argument('[name]', 'one ServiceAccount: NAME (or --name) with -n NAMESPACE, or NAMESPACE/NAME');
  addClusterFlag(cmd);
  addServiceAccountNameFlags(cmd, {
    name: 'one ServiceAccount (namespace default "default")',
    namespace: 'without a name: every ServiceAccount in this namespace that is annotated or has a Pod Identity association (default: the whole cluster)',
  });
  cmd.option('--live', 'also mint a token for each ServiceAccount (TokenRequest, needs "create" on serviceaccounts/token) and exchange it as its pods would: STS AssumeRoleWithWebIdentity (IRSA), EKS Auth AssumeRoleForPodIdentity (Pod Identity)');
  addConfigFileFlags(cmd);
  addAwsFlags(cmd);
  addKubeFlags(cmd);
  addRunFlags(cmd, { approve: false, concurrency: false, output: ['text', 'json'] });
  cmd.addHelpText(
    'after',
    examples([
      'irsactl doctor s3-reader --cluster prod -n default              # or: irsactl doctor default/s3-reader --cluster prod',
      'irsactl doctor --cluster prod --namespace kube-system          # every annotated or associated ServiceAccount there',
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
      // the file's iamserviceaccounts and podIdentityAssociations, each ServiceAccount once
      ...(lookup ? {} : { serviceAccounts: fileServiceAccounts(resolved.selected, resolved.selectedPodIdentity) }),
      name: lookup?.name,
      namespace: lookup?.namespace,
      live: optionsOf(o).flag('live') === true,
      output: outputOf(o, ['text', 'json']),
    });
  });
  return cmd;
}
