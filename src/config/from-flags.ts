import type { ClusterModel } from '../model/service-account.js';
import type { SaFilter } from './filter.js';
import { intentFor } from './intent.js';
import { API_VERSION, KIND } from './keys.js';
import { collapseDuplicatePolicyArns, normalizeCluster } from './normalize.js';
import { flagsLocator, problemsToError, usage, type Locator, type Problem } from './problems.js';
import { parseRawDocument, type RawClusterConfig, type RawServiceAccount } from './schema.js';
import { parseTagsCollecting } from './tags.js';
import { RENDERS_STACKS } from './rules.js';
import type { CommandKind, ConfigFlags, ResolvedConfig } from './types.js';
import { validateModel } from './validate.js';

// The flags → written-config path: flags build the document a file would hold, and the same schema and rules check
// it, with problems named after the flags. associate builds only the cluster; get and doctor a lookup.

export const NO_FILTER: SaFilter = { include: [], exclude: [] };

/** A flag counts as given when commander set it to something other than its "absent" value. */
export const isGiven = (v: unknown): boolean =>
  v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0);

/** Flags that select among a file's service accounts or act on its apply set: meaningless without one. */
const FILE_ONLY_FLAGS: readonly [keyof ConfigFlags, string][] = [
  ['include', '--include'],
  ['exclude', '--exclude'],
  ['onlyMissing', '--only-missing'],
  ['prune', '--prune'],
  ['pruneAll', '--prune-all'],
  ['applySet', '--apply-set'],
];

/** "--name=a and argument b" — eksctl's wording for two spellings of one value. */
function pickOne(
  flagName: string,
  flagValue: string | undefined,
  argLabel: string,
  argValue: string | undefined,
  problems: Problem[],
): string | undefined {
  if (flagValue !== undefined && argValue !== undefined && flagValue !== argValue) {
    problems.push(
      usage(flagName, `${flagName}=${flagValue} and argument ${argValue} cannot be used at the same time`, `give the ${argLabel} once, either as ${flagName} or as the argument`),
    );
  }
  return flagValue ?? argValue;
}

/**
 * doctor's argument may also be NAMESPACE/NAME, as --include spells a service account: split into the name and
 * --namespace, which must then agree with the argument's namespace.
 */
function withQualifiedName(flags: ConfigFlags, problems: Problem[]): ConfigFlags {
  const arg = flags.positional;
  if (arg === undefined || !arg.includes('/')) return flags;
  const [namespace = '', name = '', ...rest] = arg.split('/');
  if (namespace === '' || name === '' || rest.length > 0) {
    problems.push(usage('the NAME argument', `"${arg}" is neither NAME nor NAMESPACE/NAME`, 'give the ServiceAccount as NAME (with -n NAMESPACE) or as NAMESPACE/NAME'));
    return { ...flags, positional: undefined };
  }
  if (flags.namespace !== undefined && flags.namespace !== namespace) {
    problems.push(
      usage('--namespace', `--namespace=${flags.namespace} and argument ${arg} cannot be used at the same time`, 'give the namespace once, either as --namespace or in the argument'),
    );
  }
  return { ...flags, positional: name, namespace: flags.namespace ?? namespace };
}

/** --include, --exclude and the others that need a file, given without one. */
export function fileOnlyFlagProblems(flags: ConfigFlags): Problem[] {
  return FILE_ONLY_FLAGS.filter(([key]) => isGiven(flags[key])).map(([, flag]) =>
    usage(flag, 'cannot be used unless a config file is specified via --config-file/-f', `pass -f <ClusterConfig file>, or drop ${flag}`),
  );
}

/** A repeatable, comma-separated list of ARNs (--attach-policy-arn, --permission-policy-arns): an empty item is a problem. */
export function arnListFromFlag(items: readonly string[], flag: string, problems: Problem[]): string[] {
  const arns = items.flatMap((item) => item.split(',')).map((s) => s.trim());
  if (arns.some((a) => a === '')) {
    problems.push(usage(flag, 'has an empty ARN', 'pass full policy ARNs, separated by commas or by repeating the flag'));
  }
  return arns.filter((a) => a !== '');
}

/** --tags k1=v1,k2=v2 → the tags, each problem named after --tags. */
export function tagsFromFlag(text: string, problems: Problem[]): Record<string, string> {
  const parsedTags = parseTagsCollecting(text);
  for (const p of parsedTags.problems) {
    const [what, fix] = p.split(' — ');
    problems.push(usage('--tags', what, fix ?? 'write the tags as k1=v1,k2=v2'));
  }
  return parsedTags.tags;
}

/** `problems`: what was found wrong with the flags already; all are reported together. */
export function resolveFromFlags(kind: CommandKind, flags: ConfigFlags, problems: Problem[] = []): ResolvedConfig {
  problems.push(...fileOnlyFlagProblems(flags));

  if (kind === 'associate') return resolveAssociateFromFlags(flags, problems);
  if (kind === 'doctor') flags = withQualifiedName(flags, problems);

  const cluster = flags.cluster;
  if (cluster === undefined || cluster === '') {
    problems.push(usage('--cluster', 'must be set', 'pass --cluster <EKS cluster name>'));
  }
  const name = pickOne('--name', flags.name, 'service account name', flags.positional, problems);
  const listing = kind === 'get' || kind === 'doctor';
  if (!listing && (name === undefined || name === '')) {
    problems.push(usage('--name', 'must be set', 'pass --name <service account name> or give it as the argument'));
  }

  const sa: RawServiceAccount = {
    // get lists every namespace unless --namespace is given; the others default like eksctl.
    metadata: { name: name ?? '', namespace: flags.namespace ?? (listing ? undefined : 'default') },
  };
  if (flags.attachPolicyArn !== undefined) sa.attachPolicyARNs = arnListFromFlag(flags.attachPolicyArn, '--attach-policy-arn', problems);
  if (flags.tags !== undefined) sa.tags = tagsFromFlag(flags.tags, problems);
  if (flags.attachRoleArn !== undefined) sa.attachRoleARN = flags.attachRoleArn;
  if (flags.roleName !== undefined) sa.roleName = flags.roleName;
  if (flags.roleOnly !== undefined) sa.roleOnly = flags.roleOnly;
  if (flags.subjectPattern !== undefined) sa.subjectPattern = flags.subjectPattern;
  if (flags.permissionsBoundary !== undefined) sa.permissionsBoundary = flags.permissionsBoundary;

  const raw: RawClusterConfig = {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name: cluster ?? '', region: flags.region },
    iam: { withOIDC: true, serviceAccounts: [sa] },
  };
  const loc = flagsLocator({
    cluster: '--cluster',
    serviceAccountName: flags.name === undefined && flags.positional !== undefined ? 'the NAME argument' : '--name',
  });
  const model = validateFlagDocument(kind, raw, loc, flags, problems);

  const resolved: ResolvedConfig = {
    cluster: model.cluster,
    selectedPodIdentity: [],
    selected: model.cluster.serviceAccounts,
    filter: NO_FILTER,
    source: { kind: 'flags' },
    warnings: model.warnings,
    ...intentFor(kind, { kind: 'flags' }, model.cluster),
  };
  if (listing) {
    // The service account was built only to validate --name/--namespace; what to list lives in the cluster.
    resolved.cluster = { ...model.cluster, serviceAccounts: [] };
    resolved.selected = [];
    resolved.lookup = {};
    if (name) resolved.lookup.name = name;
    if (flags.namespace) resolved.lookup.namespace = flags.namespace;
  }
  if (flags.region !== undefined) resolved.region = flags.region;
  return resolved;
}

function resolveAssociateFromFlags(flags: ConfigFlags, problems: Problem[]): ResolvedConfig {
  // eksctl keeps --name as a deprecated alias of --cluster here; the argument is the cluster too.
  const byFlag = pickOne('--cluster', flags.cluster, 'cluster name', flags.name, problems);
  const cluster = pickOne('--cluster', byFlag, 'cluster name', flags.positional, problems);
  if (cluster === undefined || cluster === '') {
    problems.push(usage('--cluster', 'must be set', 'pass --cluster <EKS cluster name> or give it as the argument'));
  }
  const raw: RawClusterConfig = {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name: cluster ?? '', region: flags.region },
    iam: { withOIDC: true, serviceAccounts: [] },
  };
  const loc = flagsLocator({
    cluster: flags.cluster === undefined && flags.positional !== undefined ? 'the CLUSTER argument' : '--cluster',
    serviceAccountName: '--name',
  });
  const model = validateFlagDocument('associate', raw, loc, flags, problems);
  const resolved: ResolvedConfig = {
    cluster: model.cluster,
    selectedPodIdentity: [],
    selected: [],
    filter: NO_FILTER,
    source: { kind: 'flags' },
    warnings: model.warnings,
    ...intentFor('associate', { kind: 'flags' }, model.cluster),
  };
  if (flags.region !== undefined) resolved.region = flags.region;
  return resolved;
}

/** The same schema and rules as a file, with problems named after the flags. */
function validateFlagDocument(
  kind: CommandKind,
  raw: RawClusterConfig,
  loc: Locator,
  flags: ConfigFlags,
  problems: Problem[],
): { cluster: ClusterModel; warnings: string[] } {
  const parsed = parseRawDocument(raw, loc);
  if (!parsed.ok) throw problemsToError([...problems, ...parsed.problems]);
  const { cluster, warnings: collapsed } = collapseDuplicatePolicyArns(normalizeCluster(parsed.config, true), loc);
  const rules = validateModel(cluster, {
    kind,
    loc,
    sourceName: 'flags',
    writtenWithOIDC: true,
    serviceAccountsDefined: true,
    allowWildcardSubject: flags.allowWildcardSubject === true,
  });
  problems.push(...rules.problems);
  if (problems.length > 0) throw problemsToError(problems);
  return { cluster, warnings: [...(RENDERS_STACKS.has(kind) ? collapsed : []), ...rules.warnings] };
}
