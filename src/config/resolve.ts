import { IrsaError } from '../errors.js';
import { isRoleArn } from '../model/arns.js';
import { matchesFilter, selectServiceAccounts, splitGlobList, type SaFilter } from './filter.js';
import { isGiven, resolveFromFlags } from './from-flags.js';
import { intentFor } from './intent.js';
import { collapseDuplicatePolicyArns, normalizeCluster } from './normalize.js';
import { fileLocator, problemsToError, shownPath, usage, type Problem } from './problems.js';
import { RENDERS_STACKS } from './rules.js';
import { apiVersionAndKindProblems, parseRawDocument } from './schema.js';
import { FILE_CONFLICTS } from './service-account-flags.js';
import type { CommandKind, ConfigFlags, ConfigSource, PodIdentityCommandKind, ResolvedConfig } from './types.js';
import { validateModel } from './validate.js';
import { parseConfigYaml } from './yaml.js';

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

/** --cfn-role-arn is not part of any ClusterConfig, but a wrong one is bad usage like the rest: listed with them. */
function cfnRoleArnProblems(flags: ConfigFlags): Problem[] {
  if (flags.cfnRoleArn === undefined || isRoleArn(flags.cfnRoleArn)) return [];
  return [usage('--cfn-role-arn', `"${flags.cfnRoleArn}" is not an IAM role ARN`, 'pass arn:<partition>:iam::<12-digit account>:role/<name>, the role CloudFormation should act as')];
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

  const doc = parseConfigYaml(file); // syntax errors stop here: nothing after them is meaningful
  const loc = fileLocator(file.path, { text: file.text, doc });
  problems.push(...apiVersionAndKindProblems(doc, loc));
  const parsed = parseRawDocument(doc, loc);
  if (!parsed.ok) throw problemsToError([...problems, ...parsed.problems]);

  const raw = parsed.config;
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
  if (flags.region !== undefined && cluster.region !== undefined && flags.region !== cluster.region) {
    problems.push(
      usage(
        '--region',
        `"${flags.region}" differs from metadata.region "${cluster.region}" in ${shownPath(file.path)}`,
        'drop --region (the file decides the region) or change metadata.region',
      ),
    );
  }
  if (flags.applySet !== undefined) {
    const bad = applySetProblem(flags.applySet);
    if (bad) problems.push(usage('--apply-set', `${JSON.stringify(flags.applySet)} ${bad}`, 'use 1 to 256 letters, digits, spaces and _ . : / = + - @ (it becomes a stack and role tag value)'));
  }
  if (problems.length > 0) throw problemsToError(problems);

  const filter: SaFilter = { include: splitGlobList(flags.include), exclude: splitGlobList(flags.exclude) };
  // --only-missing and --prune act on stacks the file does not name, so an --include naming one of those
  // (e.g. kube-system/aws-node, which must be named exactly) rightly matches nothing in the file.
  const selected =
    flags.onlyMissing || flags.prune || flags.pruneAll
      ? cluster.serviceAccounts.filter((sa) => matchesFilter(`${sa.namespace}/${sa.name}`, filter))
      : selectServiceAccounts(cluster.serviceAccounts, filter);
  const source = { kind: 'file', path: file.path } as const;
  const resolved: ResolvedConfig = {
    cluster,
    selectedPodIdentity: [],
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


/**
 * `create|update|delete|get podidentityassociation`: flags or a file → one ResolvedConfig whose
 * selectedPodIdentity is what the command acts on. Pure; throws IrsaError('USAGE'|'CONFIG') listing every problem.
 */
export function resolvePodIdentityConfig(kind: PodIdentityCommandKind, flags: ConfigFlags, file?: ConfigSource): ResolvedConfig {
  // Being written on its own branch (the pod identity configuration: schema, flags, rules); until it lands the
  // commands that call this cannot run.
  throw new IrsaError('INTERNAL', `pod identity configuration for ${kind} is not built yet (${flags.cluster ?? ''}${file ? ` ${file.path}` : ''})`);
}
