import { Command, Option } from 'commander';
import { usageError } from '../errors.js';
import { addAwsFlags, addClusterFlag, addConfigFileFlags, addRunFlags } from './flags.js';
import { resolveFor, runtimeFor, type CliContext } from './context.js';
import { examples } from './help.js';
import { configFlagsFrom, connectionFrom, optionsOf, outputOf, type OptionBag } from './options.js';

// `irsactl policies list|show|outdated`: the well-known policy catalogue and how a cluster's roles compare to it.

const OUTPUT = ['text', 'json'] as const;
const outputOption = () => new Option('-o, --output <format>', 'output format').choices([...OUTPUT]).default(OUTPUT[0]);
const collect = (value: string, prev: string[] = []) => [...prev, value];

export function policiesListCommand(ctx: CliContext): Command {
  const cmd = new Command('list')
    .description("List the well-known policies: eksctl's statements (the default profile) and each controller's catalogued versions (the upstream profile), with their sources")
    .addOption(outputOption());
  cmd.action(async (o: OptionBag) => {
    const { listPolicies } = await import('../actions/policies.js');
    listPolicies(ctx.io, outputOf(o, OUTPUT));
  });
  return cmd;
}

export function policiesShowCommand(ctx: CliContext): Command {
  const cmd = new Command('show')
    .argument('<name>', 'the well-known policy, e.g. externalDNS (irsactl policies list names them)')
    .description('Print one policy document with where it came from (repository, path, tag, commit)')
    .option('--version <version>', 'the controller version (default: the newest catalogued)')
    .addOption(new Option('--policy-profile <profile>', "upstream (the controller's own document; the default when catalogued) or eksctl").choices(['eksctl', 'upstream']))
    .addOption(outputOption());
  cmd.addHelpText('after', examples(['irsactl policies show externalDNS', 'irsactl policies show autoScaler --policy-profile eksctl -o json']));
  cmd.action(async (name: string, o: OptionBag) => {
    const opt = optionsOf(o);
    const profile = opt.string('policyProfile') as 'eksctl' | 'upstream' | undefined;
    const { showPolicy } = await import('../actions/policies.js');
    showPolicy(ctx.io, name, { version: opt.string('version'), profile, output: outputOf(o, OUTPUT) });
  });
  return cmd;
}

/** `--version NAME=VERSION` (repeatable) → a record; the catalogue check is the action's. */
function pinsFrom(values: readonly string[]): Record<string, string> {
  const pins: Record<string, string> = {};
  for (const v of values) {
    const m = /^([A-Za-z0-9]+)=(\S+)$/.exec(v);
    if (!m) throw usageError(`--version "${v}": expected NAME=VERSION`, 'e.g. --version externalDNS=v0.22.0');
    pins[m[1]!] = m[2]!;
  }
  return pins;
}

export function policiesOutdatedCommand(ctx: CliContext): Command {
  const cmd = new Command('outdated').description(
    "Compare each iamserviceaccount's well-known policies with its controller's published policy (read-only): the actions it lacks and those no longer used; exits 1 when an action is missing",
  );
  addClusterFlag(cmd);
  addConfigFileFlags(cmd);
  addAwsFlags(cmd);
  cmd.option('--version <name=version>', 'compare NAME against this catalogued version (repeatable; default: the file\'s wellKnownPolicyVersions, else the newest)', collect);
  addRunFlags(cmd, { approve: false, concurrency: false, output: [...OUTPUT] });
  cmd.addHelpText('after', examples(['irsactl policies outdated --cluster prod', 'irsactl policies outdated --cluster prod --version externalDNS=v0.22.0 -o json']));
  cmd.action(async (o: OptionBag) => {
    const versions = pinsFrom(optionsOf(o).list('version') ?? []);
    const rt = runtimeFor(ctx, o);
    // resolved as the doctor's reading of a file: its service accounts and its pod identity associations
    const [resolved, { outdatedPolicies }] = await Promise.all([resolveFor(ctx, rt, 'doctor', configFlagsFrom(undefined, o)), import('../actions/policies.js')]);
    await outdatedPolicies(rt, resolved, { output: outputOf(o, OUTPUT), versions, ...connectionFrom(o) });
  });
  return cmd;
}
