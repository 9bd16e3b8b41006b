import { Command } from 'commander';
import { convergeOptionsFrom } from './create-iamserviceaccount.js';
import { addAwsFlags, addCfnFlags, addConfigFileFlags, addKubeFlags, addRunFlags } from './flags.js';
import { recordOutcome, resolveFor, runtimeFor, type CliContext } from './context.js';
import { examples } from './help.js';
import { configFlagsFrom, type OptionBag } from './options.js';

export function applyCommand(ctx: CliContext): Command {
  const cmd = new Command('apply').description(
    "Converge a ClusterConfig: create what is missing, update what differs, repair ServiceAccount annotations, replace failed stacks; --prune deletes the stacks this file's applies made that it no longer names",
  );
  addConfigFileFlags(cmd);
  cmd.option('--prune', "also delete the stacks of this file's apply set (tag irsactl.io/apply-set) that the file no longer names; never with an empty selection");
  cmd.option('--prune-all', 'also delete every iamserviceaccount stack of this cluster that the file does not name, whoever made it (never system namespaces unless named exactly with --include)');
  cmd.option('--apply-set <name>', 'the apply set this file\'s stacks are tagged with (default: <metadata.name>/<file base name>; stdin: <metadata.name>/stdin)');
  addAwsFlags(cmd);
  addCfnFlags(cmd);
  addKubeFlags(cmd);
  addRunFlags(cmd, { exitCode: true });
  cmd.addHelpText('after', examples(['irsactl apply -f cluster.yaml                 # plan', 'irsactl apply -f cluster.yaml --approve', 'irsactl apply -f cluster.yaml --prune --approve', 'irsactl apply -f - --apply-set team-a --prune   # from a pipe']));
  cmd.action(async (o: OptionBag) => {
    const flags = configFlagsFrom(undefined, o);
    const rt = runtimeFor(ctx, o);
    const [resolved, { applyClusterConfig }] = await Promise.all([resolveFor(ctx, rt, 'apply', flags), import('../actions/apply.js')]);
    const { changes } = await applyClusterConfig(rt, resolved, { ...convergeOptionsFrom(o), overrideExisting: true, prune: flags.pruneAll ? 'all' : flags.prune ? 'apply-set' : 'none' });
    recordOutcome(ctx, o, changes);
  });
  return cmd;
}
