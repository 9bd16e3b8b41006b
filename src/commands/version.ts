import { Command, Option } from 'commander';
import { IRSACTL_VERSION, STACK_VERSION_TAG_VALUE } from '../version.js';
import type { CliContext } from './context.js';
import { outputOf, type OptionBag } from './options.js';

// `irsactl version`, as `eksctl version` prints it: the bare version, or with -o json the keys of eksctl's
// version.Info (Version, PreReleaseId; not its build Metadata, which irsactl's build does not record) plus StackTag,
// the version string irsactl writes in its stacks' alpha.eksctl.io/eksctl-version tag.

export function versionCommand(ctx: CliContext): Command {
  const cmd = new Command('version').description("Print irsactl's version (-o json: in eksctl's shape, with the stacks' eksctl-version tag)");
  cmd.addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'table', 'json']).default('text'));
  cmd.action((o: OptionBag) => {
    if (outputOf(o, ['text', 'json']) === 'json') {
      ctx.io.stdout.write(`${JSON.stringify({ Version: IRSACTL_VERSION, PreReleaseId: '', StackTag: STACK_VERSION_TAG_VALUE })}\n`);
    } else ctx.io.stdout.write(`${IRSACTL_VERSION}\n`);
  });
  return cmd;
}
