import type { ClusterModel, ServiceAccountSpec } from '../model/service-account.js';
import { CLUSTER_NAME_MAX, isClusterName } from './names.js';
import type { Locator, Path, PathSegment, Problem } from './problems.js';
import { regionProblem } from './regions.js';
import { tagProblems } from './tags.js';
import type { CommandKind } from './types.js';

// The rules a normalized model must pass, one small function each, run in order by validateModel: the cluster's
// here, each service account's in service-account-rules.ts.

export interface RuleContext {
  kind: CommandKind;
  loc: Locator;
  /** Display name of the source, for eksctl's "… in %q" messages. */
  sourceName: string;
  /** The written iam.withOIDC (undefined when absent): eksctl treats unset and false differently for get. */
  writtenWithOIDC: boolean | undefined;
  /** Whether the file has `iam.serviceAccounts` at all (eksctl: create/update need it). */
  serviceAccountsDefined: boolean;
  allowWildcardSubject: boolean;
}

/** The commands that make or change stacks: only they need permissions, stack names and AWS limits checked, and hear of repeated policy ARNs. */
export const RENDERS_STACKS: ReadonlySet<CommandKind> = new Set(['create', 'update', 'apply']);

/** What every rule sees: the model, the command, and where to report. */
export interface Check {
  model: ClusterModel;
  ctx: RuleContext;
  fromFile: boolean;
  add(path: Path, what: string, fix: string): void;
  /** A warning about what is at `path`. */
  warn(path: Path, text: string): void;
}

/** What a rule about one service account sees besides. */
export interface ServiceAccountCheck extends Check {
  sa: ServiceAccountSpec;
  i: number;
  at(...rest: PathSegment[]): Path;
  /** The index of the first entry with each `<ns>/<name>`, for the duplicate rule. */
  firstIndexById: ReadonlyMap<string, number>;
}

/** A Check whose problems and warnings collect in the two arrays returned with it. */
export function collectingCheck(model: ClusterModel, ctx: RuleContext): { check: Check; problems: Problem[]; warnings: string[] } {
  const { loc } = ctx;
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const check: Check = {
    model,
    ctx,
    fromFile: loc.origin === 'file',
    add: (path, what, fix) => problems.push({ code: loc.code, where: loc.where(path), what, fix }),
    warn: (path, text) => warnings.push(`${loc.where(path)}: ${text}`),
  };
  return { check, problems, warnings };
}

export type ClusterRule = (c: Check) => void;
export type ServiceAccountRule = (c: ServiceAccountCheck) => void;

export const clusterName: ClusterRule = ({ model, fromFile, add }) => {
  if (model.name === '') {
    if (fromFile) add(['metadata', 'name'], 'metadata.name must be set', 'add "name: <cluster name>" under metadata');
  } else if (!isClusterName(model.name)) {
    add(
      ['metadata', 'name'],
      `"${model.name}" is not a valid EKS cluster name`,
      `use letters, digits, "-" and "_", starting with a letter or digit, at most ${CLUSTER_NAME_MAX} characters`,
    );
  }
};

export const clusterRegion: ClusterRule = ({ model, fromFile, add }) => {
  if (fromFile && !model.region) {
    add(['metadata', 'region'], 'metadata.region must be set', 'add "region: <aws region>" under metadata, e.g. us-west-2');
  }
  const bad = model.region ? regionProblem(model.region) : undefined;
  if (bad) add(['metadata', 'region'], bad.what, bad.fix);
};

export const clusterTags: ClusterRule = ({ model, add }) => checkTagMap(model.tags, ['metadata', 'tags'], add);

/**
 * A file must enable withOIDC (associate and delete need it set, get only not set to false): eksctl's own checks and
 * messages, so a file eksctl refuses is refused here too.
 */
const withOidc: ClusterRule = ({ model, ctx, fromFile, add }) => {
  if (!fromFile) return;
  if (model.serviceAccounts.length > 0 && !model.withOIDC) {
    add(['iam', 'withOIDC'], 'iam.withOIDC must be enabled explicitly for iam.serviceAccounts to be created', 'set "withOIDC: true" under iam');
  } else if (
    ((ctx.kind === 'associate' || ctx.kind === 'delete') && !model.withOIDC) ||
    ((ctx.kind === 'get' || ctx.kind === 'doctor') && ctx.writtenWithOIDC === false)
  ) {
    add(['iam', 'withOIDC'], `'iam.withOIDC' is not enabled in "${ctx.sourceName}"`, 'set "withOIDC: true" under iam');
  }
};

const serviceAccountsDefined: ClusterRule = ({ model, ctx, fromFile, add }) => {
  // apply converges both sections: a file with only iam.podIdentityAssociations is complete for it
  if (ctx.kind === 'apply' && model.podIdentityAssociations !== undefined) return;
  if (fromFile && RENDERS_STACKS.has(ctx.kind) && !ctx.serviceAccountsDefined) {
    add(
      ['iam', 'serviceAccounts'],
      `'iam.serviceAccounts' is not defined in "${ctx.sourceName}"`,
      'add an iam.serviceAccounts list with the service accounts to manage',
    );
  }
};

export const CLUSTER_RULES: readonly ClusterRule[] = [clusterName, clusterRegion, clusterTags, withOidc, serviceAccountsDefined];

/** Each tag's problems, at `path`. */
export function checkTagMap(tags: Record<string, string>, path: Path, add: Check['add']): void {
  for (const [key, value] of Object.entries(tags)) {
    for (const p of tagProblems(key, value)) {
      const [what, fix] = p.split(' — ');
      add(path, what, fix ?? 'fix the tag');
    }
  }
}
