import { Command } from 'commander';
import { addAwsFlags, addClusterFlag, addConfigFileFlags, addKubeFlags, addRunFlags, addServiceAccountNameFlags } from './flags.js';
import { readSource, runtimeFor, type CliContext } from './context.js';
import { examples } from './help.js';
import { configFlagsFrom, connectionFrom, optionsOf, outputOf, type OptionBag } from './options.js';

export function doctorCommand(ctx: CliContext): Command {
  const cmd = new Command('doctor').description(
    "Check every link of IRSA for ServiceAccounts (OIDC provider, role, trust policy, webhook annotations, pods; --live: a real STS call) and say how to fix each broken one. Read-only.",
  );
  addClusterFlag(cmd);
  addServiceAccountNameFlags(cmd, {
    name: 'one ServiceAccount (namespace default "default")',
    namespace: 'without --name: every annotated ServiceAccount in this namespace (default: the whole cluster)',
  });
  cmd.option('--live', 'also mint a token for each ServiceAccount (TokenRequest, needs "create" on serviceaccounts/token) and call STS AssumeRoleWithWebIdentity with it');
  addConfigFileFlags(cmd);
  addAwsFlags(cmd);
  addKubeFlags(cmd);
  addRunFlags(cmd, { approve: false, concurrency: false, output: ['text', 'json'] });
  cmd.addHelpText(
    'after',
    examples([
      'irsactl doctor --cluster prod --namespace default --name s3-reader',
      'irsactl doctor --cluster prod --namespace kube-system          # every annotated ServiceAccount there',
      'irsactl doctor --cluster prod --live -o json                    # whole cluster, with a real STS call; exit 1 on any failure',
    ]),
  );
  cmd.action(async (o: OptionBag) => {
    const flags = configFlagsFrom(undefined, o);
    // loaded here, not at the top: `irsactl --help` must not pay for zod, js-yaml and the checks
    const [{ resolveConfig }, { doctor }] = await Promise.all([import('../config/resolve.js'), import('../actions/doctor.js')]);
    const resolved = resolveConfig('doctor', flags, await readSource(ctx, flags));
    const fromFile = resolved.source.kind === 'file';
    await doctor(runtimeFor(ctx, o), {
      cluster: resolved.cluster.name,
      region: resolved.region,
      ...connectionFrom(o),
      ...(fromFile ? { serviceAccounts: resolved.selected.map((s) => ({ namespace: s.namespace, name: s.name })) } : {}),
      name: fromFile ? undefined : resolved.lookup?.name,
      namespace: fromFile ? undefined : resolved.lookup?.namespace,
      live: optionsOf(o).flag('live') === true,
      output: outputOf(o, ['text', 'json']),
    });
  });
  return cmd;
}
