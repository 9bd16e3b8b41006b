import type { Command } from 'commander';
import type { ConvergeOptions } from '../actions/converge.js';
import { DEFAULT_CONCURRENCY, addAwsFlags, addCfnFlags, addClusterFlag, addConfigFileFlags, addKubeFlags, addRunFlags, addServiceAccountFlags } from './flags.js';
import { recordOutcome, resolveFor, runtimeFor, type CliContext } from './context.js';
import { examples, iamServiceAccountCommand } from './help.js';
import { configFlagsFrom, connectionFrom, optionsOf, outputOf, type OptionBag } from './options.js';

export function convergeOptionsFrom(o: OptionBag): ConvergeOptions {
  const opt = optionsOf(o);
  return {
    approve: opt.flag('approve') === true,
    overrideExisting: opt.flag('overrideExistingServiceaccounts') === true,
    output: outputOf(o, ['text', 'json', 'yaml']),
    concurrency: opt.number('concurrency') ?? DEFAULT_CONCURRENCY,
    ...connectionFrom(o),
  };
}

/**
 * `create` and `update iamserviceaccount` take the same flags and run the same converge action; they differ in
 * the plan's mode and in that update may always repair an existing ServiceAccount's annotation.
 */
export function serviceAccountConvergeCommand(ctx: CliContext, mode: 'create' | 'update', description: string, exampleLines: string[]): Command {
  const cmd = iamServiceAccountCommand(description);
  addClusterFlag(cmd);
  addServiceAccountFlags(cmd);
  addConfigFileFlags(cmd);
  addAwsFlags(cmd);
  addCfnFlags(cmd);
  addKubeFlags(cmd);
  addRunFlags(cmd, { exitCode: true });
  cmd.addHelpText('after', examples(exampleLines));
  cmd.action(async (name: string | undefined, o: OptionBag) => {
    const flags = configFlagsFrom(name, o);
    const rt = runtimeFor(ctx, o);
    const [resolved, { converge }] = await Promise.all([resolveFor(ctx, rt, mode, flags), import('../actions/converge.js')]);
    const opts = convergeOptionsFrom(o);
    const { changes } = await converge(rt, mode, resolved, mode === 'update' ? { ...opts, overrideExisting: true } : opts);
    recordOutcome(ctx, o, changes);
  });
  return cmd;
}

export function createIamServiceAccountCommand(ctx: CliContext): Command {
  return serviceAccountConvergeCommand(ctx, 'create', 'Create an iamserviceaccount: an IAM role (one CloudFormation stack, as eksctl makes it) bound to a Kubernetes ServiceAccount', [
    '# plan, then create, a role with a managed policy for default/s3-reader',
    'irsactl create iamserviceaccount --cluster prod --name s3-reader --attach-policy-arn arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
    'irsactl create iamserviceaccount --cluster prod --name s3-reader --attach-policy-arn arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess --approve',
    '# from an eksctl ClusterConfig, only the kube-system accounts',
    "irsactl create iamserviceaccount -f cluster.yaml --include 'kube-system/*' --approve",
    '# the plan as JSON (stack names, tags, templates)',
    'irsactl create iamserviceaccount -f cluster.yaml -o json',
  ]);
}
