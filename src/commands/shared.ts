import { isRoleArn } from '../model/arns.js';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { ConfigFlags } from '../config/types.js';
import { usageError } from '../errors.js';
import type { Io } from '../output/io.js';
import { createRuntime, DEFAULT_TIMEOUT_MS, type Runtime, type RuntimeOverrides } from '../runtime/runtime.js';
import type { ConnectionOptions } from '../runtime/cluster-session.js';

// Flag definitions shared by commands, and the step from parsed options to a Runtime.

export interface CliContext {
  io: Io;
  overrides: RuntimeOverrides;
  /** SIGINT/SIGTERM; undefined in-process (tests), where nothing interrupts the run */
  signal: AbortSignal | undefined;
}

export function runtimeFor(ctx: CliContext, opts: { verbose?: number; timeout?: number }): Runtime {
  return createRuntime(ctx.io, opts.verbose ?? 0, { ...ctx.overrides, signal: ctx.signal }, opts.timeout ?? DEFAULT_TIMEOUT_MS);
}

export const DEFAULT_CONCURRENCY = 50;

const collect = (value: string, prev: string[] = []) => [...prev, ...value.split(',').map((v) => v.trim()).filter(Boolean)];
/** Repeatable, kept whole: the loader splits globs on commas outside `{a,b}` (splitGlobList). */
const repeat = (value: string, prev: string[] = []) => [...prev, value];
const count = (_: string, prev: number) => prev + 1;

/** "25m", "90s", "1h30m", "25m0s" (eksctl's Go durations) or plain seconds. */
export function parseDuration(text: string): number {
  if (/^\d+$/.test(text)) {
    if (Number(text) <= 0) throw new InvalidArgumentError(`"${text}" is not a positive duration: use e.g. 25m, 90s or 1h30m`);
    return Number(text) * 1000;
  }
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let consumed = '';
  for (const m of text.matchAll(re)) {
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3_600_000 : m[2] === 'm' ? n * 60_000 : m[2] === 's' ? n * 1000 : n;
    consumed += m[0];
  }
  if (consumed !== text) throw new InvalidArgumentError(`"${text}" is not a duration: use e.g. 25m, 90s or 1h30m`);
  if (total < 1) throw new InvalidArgumentError(`"${text}" is not a positive duration: use e.g. 25m, 90s or 1h30m`);
  return total;
}

function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError(`"${text}" must be a whole number from 1 to 100`);
  return n;
}

/** `<verb> iamserviceaccount [name]` (alias iamserviceaccounts), as eksctl spells it. */
export function iamServiceAccountCommand(description: string): Command {
  return new Command('iamserviceaccount').alias('iamserviceaccounts').description(description).argument('[name]', 'ServiceAccount name (or --name)');
}

export function addClusterFlag(cmd: Command): Command {
  return cmd.option('-c, --cluster <name>', 'EKS cluster name');
}

export function addAwsFlags(cmd: Command): Command {
  return cmd
    .option('-r, --region <region>', 'AWS region (default: from AWS_REGION or your AWS config)')
    .option('-p, --profile <profile>', 'AWS credentials profile (default: AWS_PROFILE)');
}

export function addKubeFlags(cmd: Command): Command {
  return cmd
    .option('--kubeconfig <path>', 'use this kubeconfig instead of connecting through EKS as eksctl does')
    .option('--context <name>', 'kubeconfig context to use')
    .option('--insecure-skip-tls-verify', 'do not verify the Kubernetes API server certificate (prints a warning)')
    .option('--skip-endpoint-check', "with --kubeconfig: do not check that its API server is the cluster's endpoint (for a proxy or tunnel)");
}

export function addConfigFileFlags(cmd: Command, opts: { onlyMissing?: boolean } = {}): Command {
  cmd
    .option('-f, --config-file <path>', "ClusterConfig file (eksctl's format), or - for stdin")
    .option('--include <globs>', 'service accounts to include, as namespace/name globs (repeatable, comma-separated), e.g. default/s3-reader,*/dynamo-*', repeat)
    .option('--exclude <globs>', 'service accounts to exclude (wins over --include)', repeat);
  if (opts.onlyMissing) cmd.option('--only-missing', 'delete only stacks whose service account is no longer in the file');
  return cmd;
}

export function addRunFlags(cmd: Command, opts: { approve?: boolean; output?: string[]; timeout?: boolean; concurrency?: boolean } = {}): Command {
  if (opts.approve !== false) cmd.option('--approve', 'apply the changes (without it, print the plan and change nothing)');
  if (opts.timeout !== false) cmd.option('--timeout <duration>', 'maximum time for the whole run, requests in flight included (e.g. 90s, 25m)', parseDuration, DEFAULT_TIMEOUT_MS);
  // 50: a stack in flight costs no requests (one poller asks for all of them), so the bound is only on
  // starting work; CloudFormation's API rate is the real limit, and its adaptive retry absorbs throttling.
  // It is also the SDK's default socket pool, and eksctl starts every one at once.
  if (opts.concurrency !== false) cmd.option('--concurrency <n>', 'how many service accounts to work on at once', positiveInt, DEFAULT_CONCURRENCY);
  const formats = opts.output ?? ['text', 'json', 'yaml'];
  cmd.addOption(new Option('-o, --output <format>', 'output format').choices(formats).default(formats[0]));
  cmd.option('-v, --verbose', 'more narration on stderr (repeat for more)', count, 0);
  return cmd;
}

export function addServiceAccountFlags(cmd: Command, opts: { full: boolean }): Command {
  cmd
    .option('--name <name>', 'ServiceAccount name')
    .option('--namespace <namespace>', 'ServiceAccount namespace (default "default")')
    .option('--attach-policy-arn <arns>', 'ARN of a managed policy to attach (repeatable, comma-separated)', collect);
  if (!opts.full) return cmd;
  return cmd
    .option('--attach-role-arn <arn>', 'use this existing IAM role: no stack is created')
    .option('--role-name <name>', 'name for the created IAM role')
    .option('--role-only', 'create the IAM role only; do not create or annotate the ServiceAccount')
    .option('--tags <k=v,...>', 'tags for the IAM role (stack tags, propagated to the role), e.g. "team=a,env=prod"')
    .option('--override-existing-serviceaccounts', 'annotate ServiceAccounts that already exist')
    .option('--subject-pattern <pattern>', 'trust any ServiceAccount in the namespace whose name matches this pattern (StringLike; * and ? wildcards)')
    .option('--allow-wildcard-subject', 'confirm a subject pattern of only "*" (every ServiceAccount in the namespace)')
    .option('--permissions-boundary <arn>', 'ARN of a permissions boundary policy for the role');
}

/** commander's option bag → the loader's flags. Values commander did not see stay undefined. */
export function configFlagsFrom(positional: string | undefined, o: Record<string, unknown>): ConfigFlags {
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const bool = (k: string) => (o[k] === true ? true : undefined);
  const list = (k: string) => (Array.isArray(o[k]) ? (o[k] as string[]) : undefined);
  return {
    cluster: str('cluster'),
    name: str('name'),
    positional,
    namespace: str('namespace'),
    attachPolicyArn: list('attachPolicyArn'),
    attachRoleArn: str('attachRoleArn'),
    roleName: str('roleName'),
    roleOnly: bool('roleOnly'),
    tags: str('tags'),
    subjectPattern: str('subjectPattern'),
    permissionsBoundary: str('permissionsBoundary'),
    region: str('region'),
    configFile: str('configFile'),
    include: list('include'),
    exclude: list('exclude'),
    onlyMissing: bool('onlyMissing'),
    prune: bool('prune'),
    pruneAll: bool('pruneAll'),
    applySet: str('applySet'),
    allowWildcardSubject: bool('allowWildcardSubject'),
  };
}

export async function readSource(ctx: CliContext, flags: ConfigFlags) {
  if (!flags.configFile) return undefined;
  const { readConfigSource } = await import('../config/read.js');
  return readConfigSource(flags.configFile, ctx.io.stdin?.());
}

/** --profile, --kubeconfig, --context, --insecure-skip-tls-verify: how every command reaches AWS and Kubernetes. */
export function connectionFrom(o: Record<string, unknown>): ConnectionOptions {
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const cfnRoleArn = str('cfnRoleArn');
  if (cfnRoleArn !== undefined && !isRoleArn(cfnRoleArn)) {
    throw usageError(`--cfn-role-arn: "${cfnRoleArn}" is not an IAM role ARN`, 'pass arn:<partition>:iam::<12-digit account>:role/<name>, the role CloudFormation should act as');
  }
  return {
    profile: str('profile'),
    kubeconfig: str('kubeconfig'),
    context: str('context'),
    insecureSkipTlsVerify: o.insecureSkipTlsVerify === true,
    skipEndpointCheck: o.skipEndpointCheck === true,
    cfnRoleArn,
    cfnDisableRollback: o.cfnDisableRollback === true,
  };
}

/** eksctl's CloudFormation flags, on the commands that create, update or delete stacks. */
export function addCfnFlags(cmd: Command): Command {
  return cmd
    .option('--cfn-role-arn <arn>', 'IAM role CloudFormation uses to call AWS on your behalf (CreateStack, UpdateStack, DeleteStack)')
    .option('--cfn-disable-rollback', 'for debugging: if a stack fails to create, do not roll it back (apply replaces it later)');
}

export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}

