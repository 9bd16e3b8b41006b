import { Command, InvalidArgumentError, Option } from 'commander';
import { SERVICE_ACCOUNT_FLAGS, type ServiceAccountFlag } from '../config/service-account-flags.js';
import { podIdentityFlagsFor } from '../config/pod-identity-flags.js';
import type { PodIdentityCommandKind } from '../config/types.js';
import { DEFAULT_TIMEOUT_MS } from '../runtime/runtime.js';
import { formatDuration } from '../net/run-control.js';
import { HUMAN_FORMATS } from './options.js';

// The commander options the commands share, and the parsers of their values.

export const DEFAULT_CONCURRENCY = 50;

const collect = (value: string, prev: string[] = []) => [...prev, ...value.split(',').map((v) => v.trim()).filter(Boolean)];
/** Repeatable, kept whole: the loader splits globs on commas outside `{a,b}` (splitGlobList). */
export const repeat = (value: string, prev: string[] = []) => [...prev, value];
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

export function addRunFlags(cmd: Command, opts: { approve?: boolean; exitCode?: boolean; output?: string[]; timeout?: boolean; concurrency?: boolean } = {}): Command {
  if (opts.approve !== false) cmd.option('--approve', 'apply the changes (without it, print the plan and change nothing)');
  if (opts.exitCode === true) cmd.option('--exit-code', 'exit 3 instead of 0 when the plan has changes (with --approve: when the run made changes); 1 and 2 keep their meanings');
  if (opts.timeout !== false) {
    cmd.addOption(
      new Option('--timeout <duration>', 'maximum time for the whole run, requests in flight included (e.g. 90s, 25m)').argParser(parseDuration).default(DEFAULT_TIMEOUT_MS, formatDuration(DEFAULT_TIMEOUT_MS)),
    );
  }
  // 50: a stack in flight costs no requests (one poller asks for all of them), so the bound is only on
  // starting work; CloudFormation's API rate is the real limit, and its adaptive retry absorbs throttling.
  // It is also the SDK's default socket pool, and eksctl starts every one at once.
  if (opts.concurrency !== false) cmd.option('--concurrency <n>', 'how many service accounts to work on at once', positiveInt, DEFAULT_CONCURRENCY);
  const formats = opts.output ?? ['text', 'json', 'yaml'];
  // One name for the human format everywhere: `get` says table, the others text; each accepts both.
  cmd.addOption(new Option('-o, --output <format>', 'output format').choices([...formats, ...HUMAN_FORMATS.filter((f) => !formats.includes(f))]).default(formats[0]));
  cmd.option('-v, --verbose', 'more narration on stderr (repeat for more)', count, 0);
  return cmd;
}

/** Short forms, as kubectl spells them. */
const SHORT_FLAGS: ReadonlyMap<string, string> = new Map([['--namespace', '-n']]);

function addServiceAccountFlag(cmd: Command, f: ServiceAccountFlag, description = f.description): void {
  const short = SHORT_FLAGS.get(f.flag);
  const flag = short === undefined ? f.flag : `${short}, ${f.flag}`;
  if (f.type === 'boolean') cmd.option(flag, description);
  else if (f.type === 'list') cmd.option(`${flag} ${f.value}`, description, collect);
  else cmd.option(`${flag} ${f.value}`, description);
}

/** create and update: every flag that describes the service account. */
export function addServiceAccountFlags(cmd: Command): Command {
  for (const f of SERVICE_ACCOUNT_FLAGS) addServiceAccountFlag(cmd, f);
  return cmd;
}

/** --name and --namespace alone, with what they select in this command when it is not the default wording. */
export function addServiceAccountNameFlags(cmd: Command, descriptions: { name?: string; namespace?: string } = {}): Command {
  for (const f of SERVICE_ACCOUNT_FLAGS) {
    if (f.full) continue;
    addServiceAccountFlag(cmd, f, f.key === 'name' ? descriptions.name : f.key === 'namespace' ? descriptions.namespace : undefined);
  }
  return cmd;
}

/** eksctl's flags of `<kind> podidentityassociation` (config/pod-identity-flags.ts says which command has which). */
export function addPodIdentityFlags(cmd: Command, kind: PodIdentityCommandKind): Command {
  for (const f of podIdentityFlagsFor(kind)) {
    const flag = f.short === undefined ? f.flag : `${f.short}, ${f.flag}`;
    if (f.type === 'boolean' || f.type === 'negation') cmd.option(flag, f.description);
    else if (f.type === 'list') cmd.option(`${flag} ${f.value}`, f.description, collect);
    else cmd.option(`${flag} ${f.value}`, f.description);
  }
  return cmd;
}

/** eksctl's CloudFormation flags, on the commands that create, update or delete stacks. */
export function addCfnFlags(cmd: Command): Command {
  return cmd
    .option('--cfn-role-arn <arn>', 'IAM role CloudFormation uses to call AWS on your behalf (CreateStack, UpdateStack, DeleteStack)')
    .option('--cfn-disable-rollback', 'for debugging: if a stack fails to create, do not roll it back (apply replaces it later)');
}
