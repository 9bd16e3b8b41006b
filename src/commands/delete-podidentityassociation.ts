import type { Command } from 'commander';
import { DEFAULT_CONCURRENCY, addAwsFlags, addCfnFlags, addClusterFlag, addConfigFileFlags, addKubeFlags, addPodIdentityFlags, addRunFlags } from './flags.js';
import { recordOutcome, resolvePodIdentityFor, runtimeFor, type CliContext } from './context.js';
import { examples, podIdentityAssociationCommand } from './help.js';
import { configFlagsFrom, connectionFrom, optionsOf, outputOf, type OptionBag } from './options.js';

export function deletePodIdentityAssociationCommand(ctx: CliContext): Command {
  const cmd = podIdentityAssociationCommand('Delete pod identity associations: the association, then the role stack it owns (never a role given by ARN, never an add-on\'s association)');
  addClusterFlag(cmd);
  addPodIdentityFlags(cmd, 'delete');
  addConfigFileFlags(cmd);
  cmd.option('-w, --wait', 'wait until the role stacks are deleted');
  addAwsFlags(cmd);
  addCfnFlags(cmd);
  addKubeFlags(cmd);
  addRunFlags(cmd, { exitCode: true });
  cmd.addHelpText(
    'after',
    examples([
      'irsactl delete podidentityassociation --cluster prod --namespace default --service-account-name s3-reader --wait',
      'irsactl delete podidentityassociation -f cluster.yaml                 # plan',
      'irsactl delete podidentityassociation -f cluster.yaml --approve --wait',
    ]),
  );
  cmd.action(async (o: OptionBag) => {
    const flags = configFlagsFrom(undefined, o);
    const opt = optionsOf(o);
    const rt = runtimeFor(ctx, o);
    const [resolved, { deletePodIdentityAssociations }] = await Promise.all([resolvePodIdentityFor(ctx, rt, 'delete', flags), import('../actions/pod-identity.js')]);
    const { changes } = await deletePodIdentityAssociations(rt, resolved, {
      approve: opt.flag('approve') === true,
      wait: opt.flag('wait') === true,
      output: outputOf(o, ['text', 'json', 'yaml']),
      concurrency: opt.number('concurrency') ?? DEFAULT_CONCURRENCY,
      ...connectionFrom(o),
    });
    recordOutcome(ctx, o, changes);
  });
  return cmd;
}
