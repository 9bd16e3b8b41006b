import { IrsaError } from '../errors.js';
import { cfnRoleArnProblems, regionMismatchProblems } from './file-checks.js';
import { podIdentityId, type PodIdentityAssociationSpec } from '../model/pod-identity.js';
import { saId, type ClusterModel, type ServiceAccountSpec } from '../model/service-account.js';
import { matchesFilter, selectMatching, selectServiceAccounts, splitGlobList, type SaFilter } from './filter.js';
import { isGiven, resolveFromFlags } from './from-flags.js';
import { intentFor } from './intent.js';
import { collapseDuplicatePolicyArns, normalizeCluster } from './normalize.js';
import { problemsToError, shownPath, usage, type Problem } from './problems.js';
import { RENDERS_STACKS } from './rules.js';
import { parseConfigSource } from './schema.js';
import { FILE_CONFLICTS } from './service-account-flags.js';
import type { CommandKind, ConfigFlags, ConfigSource, ResolvedConfig } from './types.js';
import { validateModel } from './validate.js';

export type { CommandKind, ConfigFlags, ConfigSource, PodIdentityCommandKind, ResolvedConfig } from './types.js';

// Flags and an optional file → one ResolvedConfig, or one error listing every problem. The file path is here; the
// flags path is in from-flags.ts.

/** Pure: throws IrsaError('USAGE'|'CONFIG', message) listing every problem. */
export function resolveConfig(kind: CommandKind, flags: ConfigFlags, file?: ConfigSource): ResolvedConfig {
  if (flags.configFile !== undefined || file !== undefined) {
    if (file === undefined) {
      throw new IrsaError('INTERNAL', `--config-file ${flags.configFile} was given but not read; call readConfigSource first`);
    }
    return resolveFromFile(kind, flags, file);
  }
  if (kind === 'apply') {
    // apply converges a whole ClusterConfig; by flags there is nothing to converge to
    throw new IrsaError('USAGE', 'apply needs a ClusterConfig file — pass -f cluster.yaml (or -f - for stdin)', {
      hint: 'for one service account by flags, use `irsactl create iamserviceaccount` or `irsactl update iamserviceaccount`',
    });
  }
  return resolveFromFlags(kind, flags, cfnRoleArnProblems(flags));
}

function resolveFromFile(kind: CommandKind, flags: ConfigFlags, file: ConfigSource): ResolvedConfig {
  const problems: Problem[] = [];
  for (const { key, flag, field } of FILE_CONFLICTS) {
    if (isGiven(flags[key])) {
      problems.push(usage(flag, 'cannot be used with --config-file/-f', `set ${field} in the file instead, or drop -f`));
    }
  }
  if (flags.positional !== undefined) {
    const what = kind === 'associate' ? 'the CLUSTER argument' : 'the NAME argument';
    problems.push(usage(what, `"${flags.positional}" cannot be used with --config-file/-f`, 'the file names the cluster and service accounts; drop the argument or drop -f'));
  }
  problems.push(...cfnRoleArnProblems(flags));

  const parsed = parseConfigSource(file, problems);
  const { raw, loc } = parsed;
  const { cluster, warnings: collapsed } = collapseDuplicatePolicyArns(normalizeCluster(raw, false), loc);
  const rules = validateModel(cluster, {
    kind,
    loc,
    sourceName: shownPath(file.path),
    writtenWithOIDC: raw.iam?.withOIDC ?? undefined,
    serviceAccountsDefined: raw.iam?.serviceAccounts != null,
    allowWildcardSubject: flags.allowWildcardSubject === true,
  });
  problems.push(...rules.problems);
  problems.push(...regionMismatchProblems(flags, cluster.region, file.path));
  if (flags.applySet !== undefined) {
    const bad = applySetProblem(flags.applySet);
    if (bad) problems.push(usage('--apply-set', `${JSON.stringify(flags.applySet)} ${bad}`, 'use 1 to 256 letters, digits, spaces and _ . : / = + - @ (it becomes a stack and role tag value)'));
  }
  if (problems.length > 0) throw problemsToError(problems);

  const filter: SaFilter = { include: splitGlobList(flags.include), exclude: splitGlobList(flags.exclude) };
  const { selected, selectedPodIdentity } = selectFromFile(kind, flags, cluster, filter);
  const source = { kind: 'file', path: file.path } as const;
  const resolved: ResolvedConfig = {
    cluster,
    selectedPodIdentity,
    selected,
    filter,
    source,
    warnings: [...parsed.warnings, ...(RENDERS_STACKS.has(kind) ? collapsed : []), ...rules.warnings],
    ...intentFor(kind, source, cluster),
  };
  if (cluster.region !== undefined) resolved.region = cluster.region;
  if (kind === 'apply') resolved.applySet = flags.applySet ?? defaultApplySet(cluster.name, file.path);
  return resolved;
}

/**
 * The file's service accounts (and for apply its pod identity associations) that --include/--exclude select. An
 * include glob must match something in what the command acts on: for apply, either section.
 */
function selectFromFile(
  kind: CommandKind,
  flags: ConfigFlags,
  cluster: ClusterModel,
  filter: SaFilter,
): Pick<ResolvedConfig, 'selected' | 'selectedPodIdentity'> {
  // apply acts on the file's associations, and the doctor checks their ServiceAccounts.
  const associations = kind === 'apply' || kind === 'doctor' ? (cluster.podIdentityAssociations ?? []) : [];
  // --only-missing and --prune act on stacks the file does not name, so an --include naming one of those
  // (e.g. kube-system/aws-node, which must be named exactly) rightly matches nothing in the file.
  if (flags.onlyMissing || flags.prune || flags.pruneAll) {
    return {
      selected: cluster.serviceAccounts.filter((sa) => matchesFilter(saId(sa), filter)),
      selectedPodIdentity: associations.filter((p) => matchesFilter(podIdentityId(p), filter)),
    };
  }
  if (associations.length === 0) return { selected: selectServiceAccounts(cluster.serviceAccounts, filter), selectedPodIdentity: [] };
  type Item = { sa: ServiceAccountSpec } | { pia: PodIdentityAssociationSpec };
  const items: Item[] = [...cluster.serviceAccounts.map((sa) => ({ sa })), ...associations.map((pia) => ({ pia }))];
  const chosen = selectMatching(items, (it) => ('sa' in it ? saId(it.sa) : podIdentityId(it.pia)), filter, 'service account or pod identity association');
  return {
    selected: chosen.flatMap((it) => ('sa' in it ? [it.sa] : [])),
    selectedPodIdentity: chosen.flatMap((it) => ('pia' in it ? [it.pia] : [])),
  };
}

/** IAM's rule for tag values (the role carries the stack's tags). */
const TAG_VALUE_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const MAX_TAG_VALUE = 256;

function applySetProblem(value: string): string | undefined {
  if (value.length === 0) return 'is empty';
  if (value.length > MAX_TAG_VALUE) return `is ${value.length} characters long, more than ${MAX_TAG_VALUE}`;
  if (!TAG_VALUE_CHARS.test(value)) return 'holds characters a tag value may not hold';
  return undefined;
}

/**
 * `<metadata.name>/<the file's base name>`: the same for one file on every machine and in CI, whatever directory
 * it is run from, and unchanged when service accounts are added or removed. Two files with the same base name for
 * one cluster share a set (give one `--apply-set`); stdin is `stdin`. Characters a tag may not hold become `_`.
 */
export function defaultApplySet(cluster: string, path: string): string {
  const base = path === '-' ? 'stdin' : (path.split(/[\\/]/).pop() ?? path);
  return `${cluster}/${base}`.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '_').slice(0, MAX_TAG_VALUE);
}


export { resolvePodIdentityConfig } from './pod-identity-resolve.js';
