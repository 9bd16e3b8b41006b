import { POD_IDENTITY_AGENT_ADDON, POD_IDENTITY_SERVICE_PRINCIPAL } from '../model/pod-identity.js';
import { ROLE_ARN_ANNOTATION } from '../model/kubernetes.js';
import { shellCommand } from '../model/suggested-commands.js';
import { IRSA_ROLE_TAG, isMigrationAssociation, MIGRATED_BY_TAG, MIGRATED_BY_VALUE, IRSA_OIDC_TRUST_TAG, type ClusterFacts, type MigrationFacts, type RoleOwner, type ServiceAccountFacts } from './facts.js';
import { hasMigrationTrust, oidcTrustFor, sameStatement, standardOidcStatement, trustsPodIdentity, type OidcSubject } from './trust.js';

// The migration's plan, pure: per ServiceAccount, what stops it (blockers, each with its reason), which phase the
// world says it is in, and the list of changes that take it to the next phases (or, for --rollback, back to IRSA).

/** Partitions without EKS Pod Identity ("Pod Identity is not available in China Regions", docs.amazonaws.cn). */
export const PARTITIONS_WITHOUT_POD_IDENTITY: readonly string[] = ['aws-cn'];

export type Phase =
  /** IRSA only: nothing of the migration yet */
  | 'irsa'
  /** phase 1 done: the role trusts both the OIDC provider and pods.eks.amazonaws.com */
  | 'dual-trust'
  /** phase 2 done: an association gives the ServiceAccount the role (it now wins over the annotation) */
  | 'associated'
  /** the cut-over removed the annotation; the OIDC trust is still there */
  | 'annotation-removed'
  /** Pod Identity only */
  | 'migrated';

export type TrustVia = { via: 'stack'; stackName: string } | { via: 'iam'; roleName: string };

export type MigrationStep =
  | ({ action: 'add-pod-identity-trust'; roleArn: string } & TrustVia)
  | { action: 'create-association'; roleArn: string; tags: Record<string, string> }
  | { action: 'verify'; roleArn: string }
  | { action: 'remove-annotation'; roleArn: string }
  | ({ action: 'remove-oidc-trust'; roleArn: string } & TrustVia)
  | { action: 'restore-annotation'; roleArn: string }
  | ({ action: 'restore-oidc-trust'; roleArn: string } & TrustVia)
  | { action: 'delete-association'; associationId: string }
  | ({ action: 'remove-pod-identity-trust'; roleArn: string } & TrustVia);

export interface Finding {
  code: string;
  message: string;
  fix?: string;
}

export interface ServiceAccountPlan {
  id: string;
  namespace: string;
  name: string;
  roleArn?: string;
  phase?: Phase;
  /** blocked: skipped with its reasons; changes: steps to run; done: nothing left */
  status: 'blocked' | 'changes' | 'done';
  blockers: Finding[];
  warnings: Finding[];
  steps: MigrationStep[];
}

export interface MigrationPlan {
  mode: 'migrate' | 'rollback';
  cluster: string;
  region: string;
  /** --remove-oidc-provider-trust-relationship */
  cutOver: boolean;
  warnings: Finding[];
  items: ServiceAccountPlan[];
}

export interface PlanOptions {
  mode: 'migrate' | 'rollback';
  cutOver: boolean;
}

const idOf = (sa: { namespace: string; name: string }): string => `${sa.namespace}/${sa.name}`;

const globMatches = (glob: string, value: string): boolean =>
  new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(value);

/** What stops every ServiceAccount of the cluster alike. */
function clusterBlockers(c: ClusterFacts): Finding[] {
  const out: Finding[] = [];
  if (PARTITIONS_WITHOUT_POD_IDENTITY.includes(c.partition)) {
    out.push({ code: 'partition', message: `EKS Pod Identity is not available in the ${c.partition} partition (${c.region})`, fix: 'keep IRSA for this cluster' });
  }
  if (c.oidc === undefined) out.push({ code: 'no-oidc', message: `cluster "${c.name}" has no OIDC issuer, so no IRSA trust to migrate from` });
  const agentReady = c.autoMode || c.agent?.status === 'ACTIVE';
  if (!agentReady) {
    out.push({
      code: 'agent-missing',
      message:
        c.agent === undefined
          ? `the ${POD_IDENTITY_AGENT_ADDON} add-on is not installed, so no pod would get Pod Identity credentials`
          : `the ${POD_IDENTITY_AGENT_ADDON} add-on is ${c.agent.status}, not ACTIVE`,
      fix:
        c.agent === undefined
          ? shellCommand('aws', 'eks', 'create-addon', '--cluster-name', c.name, '--addon-name', POD_IDENTITY_AGENT_ADDON, '--region', c.region)
          : shellCommand('aws', 'eks', 'describe-addon', '--cluster-name', c.name, '--addon-name', POD_IDENTITY_AGENT_ADDON, '--region', c.region),
    });
  }
  return out;
}

export function clusterWarnings(c: ClusterFacts): Finding[] {
  const out: Finding[] = [];
  if (c.windowsNodes.length > 0) {
    out.push({
      code: 'windows-nodes',
      message: `the cluster has Windows nodes (${c.windowsNodes.join(', ')}): EKS Pod Identity's agent runs on Linux only, so pods scheduled there get no credentials once their annotation is gone`,
      fix: 'keep IRSA (--exclude) for the ServiceAccounts of Windows workloads',
    });
  }
  if (c.nodesUnreadable !== undefined) out.push({ code: 'nodes-unreadable', message: `the nodes could not be listed (${c.nodesUnreadable}), so Windows nodes are not ruled out` });
  return out;
}

function fargateBlocker(c: ClusterFacts, namespace: string): Finding | undefined {
  const profiles = c.fargateProfiles.filter((p) => p.selectors.some((s) => globMatches(s.namespace, namespace)));
  if (profiles.length === 0) return undefined;
  return {
    code: 'fargate',
    message: `Fargate profile ${profiles.map((p) => `"${p.name}"`).join(', ')} selects namespace ${namespace}: Fargate pods get no Pod Identity credentials`,
    fix: 'keep IRSA for it (exclude it with --exclude)',
  };
}

/** The facts' role, if it is one the migration may change; else why not. */
function roleBlocker(sa: ServiceAccountFacts, c: ClusterFacts): Finding | undefined {
  const role = sa.role;
  switch (role.kind) {
    case 'bad-arn':
      return { code: 'bad-annotation', message: `the ${ROLE_ARN_ANNOTATION} annotation "${sa.roleArn ?? ''}" is not an IAM role ARN` };
    case 'missing':
      return { code: 'role-missing', message: `role ${sa.roleArn ?? ''} does not exist`, fix: shellCommand('irsactl', 'doctor', idOf(sa), '--cluster', c.name, '--region', c.region) };
    case 'other-account':
      return {
        code: 'cross-account',
        message: `role ${sa.roleArn ?? ''} is in account ${role.accountId}, not the cluster's (${c.accountId}): an association's role must be in the cluster's account`,
        fix: `create an association by hand with a role of account ${c.accountId} as --role-arn and this one as --target-role-arn`,
      };
    case 'found':
      return ownerBlocker(role.owner, sa.roleArn ?? role.role.arn);
  }
}

function ownerBlocker(owner: RoleOwner, roleArn: string): Finding | undefined {
  if (owner.kind === 'addon') {
    return { code: 'addon-owned', message: `role ${roleArn} belongs to the EKS add-on ${owner.addon}: irsactl leaves it alone`, fix: `migrate the add-on itself (aws eks update-addon --pod-identity-associations)` };
  }
  if (owner.kind === 'foreign-stack') return { code: 'foreign-stack', message: `role ${roleArn} is a CloudFormation stack's (${owner.reason}), and that stack is not this cluster's: irsactl changes a stack's role only through its own stack` };
  return undefined;
}

const trustVia = (owner: RoleOwner, roleName: string): TrustVia => (owner.kind === 'stack' ? { via: 'stack', stackName: owner.stackName } : { via: 'iam', roleName });

function subjectFor(c: ClusterFacts, sa: ServiceAccountFacts): OidcSubject | undefined {
  return c.oidc === undefined ? undefined : { ...c.oidc, namespace: sa.namespace, name: sa.name };
}

/** Which phase the world says the ServiceAccount is in. */
export function detectPhase(trust: unknown, subject: OidcSubject, annotated: boolean, associated: boolean): Phase {
  if (associated && !annotated) return oidcTrustFor(trust, subject).kind === 'none' ? 'migrated' : 'annotation-removed';
  if (associated) return 'associated';
  return trustsPodIdentity(trust) ? 'dual-trust' : 'irsa';
}

/** The trust the stack's template gives its role (Role1), for the drift check. */
function templateTrust(template: unknown): unknown {
  const res = (template as { Resources?: Record<string, { Properties?: { AssumeRolePolicyDocument?: unknown } }> } | undefined)?.Resources;
  return res?.Role1?.Properties?.AssumeRolePolicyDocument;
}

function planMigrate(facts: MigrationFacts, sa: ServiceAccountFacts, opts: PlanOptions, shared: Finding[]): ServiceAccountPlan {
  const c = facts.cluster;
  const base = { id: idOf(sa), namespace: sa.namespace, name: sa.name, ...(sa.roleArn !== undefined ? { roleArn: sa.roleArn } : {}) };
  const blockers = [...shared];
  const warnings: Finding[] = [];
  const annotation = sa.serviceAccount?.annotations[ROLE_ARN_ANNOTATION];
  const association = sa.association;
  if (association?.ownerArn !== undefined) {
    blockers.push({ code: 'addon-owned', message: `the association ${association.associationId} of ${base.id} belongs to the EKS add-on ${association.ownerArn}: irsactl leaves it alone` });
  } else if (association !== undefined && sa.roleArn !== undefined && association.roleArn !== sa.roleArn) {
    blockers.push({
      code: 'association-role-mismatch',
      message: `${base.id} has an association (${association.associationId}) with role ${association.roleArn}, but its annotation names ${sa.roleArn}`,
      fix: `decide which role it should have: ${shellCommand('irsactl', 'doctor', base.id, '--cluster', c.name, '--region', c.region)}`,
    });
  }
  const fargate = fargateBlocker(c, sa.namespace);
  if (fargate) blockers.push(fargate);
  const roleProblem = roleBlocker(sa, c);
  if (roleProblem) blockers.push(roleProblem);
  const subject = subjectFor(c, sa);
  if (sa.role.kind !== 'found' || subject === undefined || sa.roleArn === undefined || blockers.length > 0) {
    return { ...base, status: 'blocked', blockers, warnings, steps: [] };
  }
  const { role, owner } = sa.role;
  const trust = role.trustPolicy;
  const oidc = oidcTrustFor(trust, subject);
  if (oidc.kind === 'pattern') {
    blockers.push({
      code: 'subject-pattern',
      message: `role ${role.arn} trusts the pattern "${oidc.pattern}", not ${base.id} alone: Pod Identity has no patterns`,
      fix: 'keep IRSA for the ServiceAccounts the pattern serves, or give each its own role',
    });
  }
  if (owner.kind === 'stack' && templateTrust(owner.template) !== undefined && !sameStatement(templateTrust(owner.template), trust)) {
    blockers.push({
      code: 'trust-drift',
      message: `the trust policy of role ${role.arn} differs from its stack ${owner.stackName}'s template (changed outside CloudFormation)`,
      fix: `see the template's trust with ${shellCommand('aws', 'cloudformation', 'get-template', '--stack-name', owner.stackName, '--region', c.region)}, make the role's trust that again (or the template the role's), then run this again`,
    });
  }
  if (owner.kind === 'stack' && templateTrust(owner.template) === undefined) {
    blockers.push({ code: 'stack-template', message: `stack ${owner.stackName} has no Role1 with a trust policy in its template` });
  }
  if (blockers.length > 0) return { ...base, status: 'blocked', blockers, warnings, steps: [] };

  if (owner.kind === 'iam') warnings.push({ code: 'no-stack', message: `role ${role.arn} has no stack: its trust policy is changed through IAM (a tool that manages it may undo that)` });
  if (oidc.kind === 'none' && annotation !== undefined) warnings.push({ code: 'no-oidc-trust', message: `role ${role.arn} does not trust ${base.id} through the cluster's OIDC provider: IRSA does not work for it now` });
  const phase = detectPhase(trust, subject, annotation !== undefined, association !== undefined);
  const via = trustVia(owner, role.name);
  const steps: MigrationStep[] = [];
  if (!trustsPodIdentity(trust)) steps.push({ action: 'add-pod-identity-trust', roleArn: role.arn, ...via });
  if (association === undefined) {
    steps.push({ action: 'create-association', roleArn: role.arn, tags: { [MIGRATED_BY_TAG]: MIGRATED_BY_VALUE, [IRSA_ROLE_TAG]: annotation ?? role.arn, [IRSA_OIDC_TRUST_TAG]: String(oidc.kind !== 'none') } });
  }
  steps.push({ action: 'verify', roleArn: role.arn });
  if (opts.cutOver && association !== undefined && !isMigrationAssociation(association)) {
    warnings.push({
      code: 'association-not-ours',
      message: `the association ${association.associationId} of ${base.id} was not made by the migration, so --rollback could not put the annotation back: no cut-over for it`,
      fix: `remove the ${ROLE_ARN_ANNOTATION} annotation and the role's OIDC trust by hand once its pods use Pod Identity`,
    });
  } else if (opts.cutOver) {
    if (annotation !== undefined) steps.push({ action: 'remove-annotation', roleArn: role.arn });
    if (oidc.kind === 'shared') {
      warnings.push({
        code: 'shared-oidc-trust',
        message: `role ${role.arn} trusts ${base.id} in one statement with ${oidc.subjects.length - 1} other subject(s): its OIDC trust stays, for them`,
      });
    } else if (oidc.kind === 'exact') {
      if (!oidc.statements.every((st) => sameStatement(st, standardOidcStatement(subject)))) {
        warnings.push({ code: 'nonstandard-oidc-trust', message: `the OIDC trust of ${base.id} in role ${role.arn} is not the statement eksctl writes: --rollback would put back eksctl's statement, not this one` });
      }
      steps.push({ action: 'remove-oidc-trust', roleArn: role.arn, ...via });
    }
  }
  const pending = steps.filter((s) => s.action !== 'verify');
  return { ...base, phase, status: pending.length > 0 ? 'changes' : 'done', blockers, warnings, steps };
}

function planRollback(facts: MigrationFacts, sa: ServiceAccountFacts, rolledBack: ReadonlySet<string>): ServiceAccountPlan {
  const c = facts.cluster;
  const base = { id: idOf(sa), namespace: sa.namespace, name: sa.name, ...(sa.roleArn !== undefined ? { roleArn: sa.roleArn } : {}) };
  const blockers: Finding[] = [];
  const warnings: Finding[] = [];
  const steps: MigrationStep[] = [];
  const association = sa.association;
  const ours = association !== undefined && isMigrationAssociation(association);
  const annotation = sa.serviceAccount?.annotations[ROLE_ARN_ANNOTATION];
  const subject = subjectFor(c, sa);
  if (association !== undefined && !ours) {
    warnings.push({ code: 'association-not-ours', message: `the association ${association.associationId} of ${base.id} was not made by the migration: rollback leaves it` });
  }
  const roleProblem = sa.role.kind === 'found' ? ownerBlocker(sa.role.owner, sa.role.role.arn) : sa.role.kind === 'missing' ? roleBlocker(sa, c) : undefined;
  if (roleProblem) blockers.push(roleProblem);
  if (ours && annotation === undefined && sa.serviceAccount === undefined) {
    blockers.push({ code: 'service-account-missing', message: `ServiceAccount ${base.id} no longer exists, so its annotation cannot be put back`, fix: shellCommand('irsactl', 'create', 'iamserviceaccount', '--cluster', c.name, '--region', c.region, '--namespace', sa.namespace, '--name', sa.name, '--attach-role-arn', association.tags[IRSA_ROLE_TAG] ?? '', '--approve') });
  }
  if (blockers.length > 0) return { ...base, status: 'blocked', blockers, warnings, steps };

  const roleArn = annotation ?? association?.tags[IRSA_ROLE_TAG] ?? sa.roleArn;
  if (ours && annotation === undefined && roleArn !== undefined) steps.push({ action: 'restore-annotation', roleArn });
  if (sa.role.kind === 'found' && subject !== undefined) {
    const { role, owner } = sa.role;
    const via = trustVia(owner, role.name);
    if (ours && association.tags[IRSA_OIDC_TRUST_TAG] !== 'false' && oidcTrustFor(role.trustPolicy, subject).kind === 'none') {
      steps.push({ action: 'restore-oidc-trust', roleArn: role.arn, ...via });
    }
    if (ours) steps.push({ action: 'delete-association', associationId: association.associationId });
    if (hasMigrationTrust(role.trustPolicy)) {
      const others = (facts.associationsByRole[role.arn] ?? []).filter((id) => id !== base.id && !rolledBack.has(id));
      if (others.length > 0) {
        warnings.push({ code: 'trust-still-used', message: `role ${role.arn} keeps its ${POD_IDENTITY_SERVICE_PRINCIPAL} trust: the associations of ${others.join(', ')} use it` });
      } else steps.push({ action: 'remove-pod-identity-trust', roleArn: role.arn, ...via });
    }
  } else if (ours) steps.push({ action: 'delete-association', associationId: association.associationId });
  const phase = sa.role.kind === 'found' && subject !== undefined ? detectPhase(sa.role.role.trustPolicy, subject, annotation !== undefined, association !== undefined) : undefined;
  return { ...base, ...(phase !== undefined ? { phase } : {}), status: steps.length > 0 ? 'changes' : 'done', blockers, warnings, steps };
}

/** The plan for the selected ServiceAccounts (facts.serviceAccounts, already filtered), in their order. */
export function planMigration(facts: MigrationFacts, opts: PlanOptions): MigrationPlan {
  const c = facts.cluster;
  const shared = opts.mode === 'migrate' ? clusterBlockers(c) : [];
  const rolledBack = new Set(facts.serviceAccounts.filter((sa) => sa.association !== undefined && isMigrationAssociation(sa.association)).map(idOf));
  const items = facts.serviceAccounts.map((sa) => (opts.mode === 'migrate' ? planMigrate(facts, sa, opts, shared) : planRollback(facts, sa, rolledBack)));
  return { mode: opts.mode, cluster: c.name, region: c.region, cutOver: opts.cutOver, warnings: opts.mode === 'migrate' ? clusterWarnings(c) : [], items };
}

/** Whether a plan changes anything. */
export const planHasChanges = (plan: MigrationPlan): boolean => plan.items.some((i) => i.status === 'changes');
