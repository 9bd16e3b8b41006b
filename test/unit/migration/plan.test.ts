import { describe, expect, it } from 'vitest';
import type { PodIdentityAssociationInfo, RoleInfo } from '../../../src/aws/ports.js';
import { IRSA_ROLE_TAG, MIGRATED_BY_TAG, MIGRATED_BY_VALUE, IRSA_OIDC_TRUST_TAG, type ClusterFacts, type MigrationFacts, type RoleOwner, type ServiceAccountFacts } from '../../../src/migration/facts.js';
import { planMigration, type MigrationPlan } from '../../../src/migration/plan.js';
import { podIdentityStatement, standardOidcStatement, withPodIdentityTrust } from '../../../src/migration/trust.js';

const ACCOUNT = '111122223333';
const HOST = 'oidc.eks.us-west-2.amazonaws.com/id/ABC';
const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/${HOST}`;
const oidc = { providerArn: PROVIDER, issuerHostPath: HOST };

const cluster = (over: Partial<ClusterFacts> = {}): ClusterFacts => ({
  name: 'prod',
  region: 'us-west-2',
  partition: 'aws',
  accountId: ACCOUNT,
  autoMode: false,
  oidc,
  agent: { name: 'eks-pod-identity-agent', status: 'ACTIVE' },
  fargateProfiles: [],
  windowsNodes: [],
  ...over,
});

const roleArn = (name: string, account = ACCOUNT) => `arn:aws:iam::${account}:role/${name}`;
const irsaTrust = (ns: string, name: string) => ({ Version: '2012-10-17', Statement: [standardOidcStatement({ ...oidc, namespace: ns, name })] });
const role = (name: string, trust: unknown): RoleInfo => ({ arn: roleArn(name), name, trustPolicy: trust, tags: {} });
const stackOwner = (trust: unknown): RoleOwner => ({ kind: 'stack', stackName: 'eksctl-prod-addon-iamserviceaccount-default-a', template: { Resources: { Role1: { Properties: { AssumeRolePolicyDocument: trust } } } }, tags: {}, capabilities: [] });

function sa(ns: string, name: string, over: Partial<ServiceAccountFacts> & { trust?: unknown; owner?: RoleOwner; annotated?: boolean } = {}): ServiceAccountFacts {
  const trust = over.trust ?? irsaTrust(ns, name);
  const arn = roleArn(`r-${name}`);
  const annotated = over.annotated ?? true;
  return {
    namespace: ns,
    name,
    serviceAccount: { namespace: ns, name, labels: {}, annotations: annotated ? { 'eks.amazonaws.com/role-arn': arn } : {} },
    roleArn: arn,
    role: { kind: 'found', role: role(`r-${name}`, trust), owner: over.owner ?? stackOwner(trust) },
    ...over,
  };
}

const facts = (sas: ServiceAccountFacts[], c: Partial<ClusterFacts> = {}, byRole: Record<string, string[]> = {}): MigrationFacts => ({ cluster: cluster(c), serviceAccounts: sas, associationsByRole: byRole });
const migrate = (f: MigrationFacts, cutOver = false): MigrationPlan => planMigration(f, { mode: 'migrate', cutOver });
const actions = (p: MigrationPlan, i = 0) => p.items[i]!.steps.map((s) => s.action);
const codes = (p: MigrationPlan, i = 0) => p.items[i]!.blockers.map((b) => b.code);

const association = (ns: string, name: string, over: Partial<PodIdentityAssociationInfo> = {}): PodIdentityAssociationInfo => ({
  associationId: `a-${name}`,
  associationArn: '',
  namespace: ns,
  serviceAccount: name,
  roleArn: roleArn(`r-${name}`),
  tags: { [MIGRATED_BY_TAG]: MIGRATED_BY_VALUE, [IRSA_ROLE_TAG]: roleArn(`r-${name}`) },
  ...over,
});

describe('migration plan: phases from the world', () => {
  it('an IRSA ServiceAccount gets dual trust through its stack, an association recording the annotation, and verification', () => {
    const p = migrate(facts([sa('default', 'a')]));
    expect(p.items[0]).toMatchObject({ phase: 'irsa', status: 'changes' });
    expect(p.items[0]!.steps).toEqual([
      { action: 'add-pod-identity-trust', roleArn: roleArn('r-a'), via: 'stack', stackName: 'eksctl-prod-addon-iamserviceaccount-default-a' },
      { action: 'create-association', roleArn: roleArn('r-a'), tags: { [MIGRATED_BY_TAG]: MIGRATED_BY_VALUE, [IRSA_ROLE_TAG]: roleArn('r-a'), [IRSA_OIDC_TRUST_TAG]: 'true' } },
      { action: 'verify', roleArn: roleArn('r-a') },
    ]);
  });

  it('a role without a stack is changed through IAM, with a warning', () => {
    const p = migrate(facts([sa('default', 'a', { owner: { kind: 'iam' } })]));
    expect(p.items[0]!.steps[0]).toEqual({ action: 'add-pod-identity-trust', roleArn: roleArn('r-a'), via: 'iam', roleName: 'r-a' });
    expect(p.items[0]!.warnings.map((w) => w.code)).toEqual(['no-stack']);
  });

  it('a re-run continues: dual trust present → association only; associated → verify only (done)', () => {
    const dual = withPodIdentityTrust(irsaTrust('default', 'a'));
    expect(actions(migrate(facts([sa('default', 'a', { trust: dual })])))).toEqual(['create-association', 'verify']);
    const done = migrate(facts([sa('default', 'a', { trust: dual, association: association('default', 'a') })]));
    expect(done.items[0]).toMatchObject({ phase: 'associated', status: 'done' });
    expect(actions(done)).toEqual(['verify']);
  });

  it('cut-over removes the annotation, then the OIDC trust; after the annotation went, only the trust is left', () => {
    const dual = withPodIdentityTrust(irsaTrust('default', 'a'));
    const assoc = association('default', 'a');
    expect(actions(migrate(facts([sa('default', 'a', { trust: dual, association: assoc })]), true))).toEqual(['verify', 'remove-annotation', 'remove-oidc-trust']);
    const half = migrate(facts([sa('default', 'a', { trust: dual, association: assoc, annotated: false })]), true);
    expect(half.items[0]!.phase).toBe('annotation-removed');
    expect(actions(half)).toEqual(['verify', 'remove-oidc-trust']);
    const podOnly = { Version: '2012-10-17', Statement: [podIdentityStatement()] };
    const migrated = migrate(facts([sa('default', 'a', { trust: podOnly, association: assoc, annotated: false })]), true);
    expect(migrated.items[0]).toMatchObject({ phase: 'migrated', status: 'done' });
  });

  it('no cut-over through an association the migration did not make (rollback could not restore the annotation)', () => {
    const p = migrate(facts([sa('default', 'a', { trust: withPodIdentityTrust(irsaTrust('default', 'a')), association: association('default', 'a', { tags: {} }) })]), true);
    expect(actions(p)).toEqual(['verify']);
    expect(p.items[0]!.warnings.map((w) => w.code)).toEqual(['association-not-ours']);
  });

  it('a role that trusts pods.eks.amazonaws.com already gets no second statement', () => {
    const trust = { Version: '2012-10-17', Statement: [...irsaTrust('default', 'a').Statement, { Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] };
    expect(actions(migrate(facts([sa('default', 'a', { trust })])))).toEqual(['create-association', 'verify']);
  });

  it('a statement shared with other subjects stays at cut-over, with a warning', () => {
    const trust = irsaTrust('default', 'a');
    const cond = (trust.Statement[0]!.Condition as { StringEquals: Record<string, unknown> }).StringEquals;
    cond[`${HOST}:sub`] = ['system:serviceaccount:default:a', 'system:serviceaccount:default:b'];
    const p = migrate(facts([sa('default', 'a', { trust: withPodIdentityTrust(trust), association: association('default', 'a') })]), true);
    expect(actions(p)).toEqual(['verify', 'remove-annotation']);
    expect(p.items[0]!.warnings.map((w) => w.code)).toContain('shared-oidc-trust');
  });
});

describe('migration plan: blockers', () => {
  it('a Fargate profile selecting the namespace (also by wildcard) blocks it, and only it', () => {
    const p = migrate(facts([sa('batch', 'a'), sa('default', 'b')], { fargateProfiles: [{ name: 'fp', status: 'ACTIVE', selectors: [{ namespace: 'bat*', labels: {} }] }] }));
    expect(p.items[0]).toMatchObject({ status: 'blocked', steps: [] });
    expect(codes(p)).toEqual(['fargate']);
    expect(p.items[0]!.blockers[0]!.message).toContain('"fp"');
    expect(p.items[1]!.status).toBe('changes');
  });

  it('a subjectPattern role is blocked: Pod Identity has no patterns', () => {
    const trust = irsaTrust('default', 'a');
    const st = trust.Statement[0]!;
    st.Condition = { StringLike: { [`${HOST}:sub`]: 'system:serviceaccount:default:a*' }, StringEquals: { [`${HOST}:aud`]: 'sts.amazonaws.com' } };
    expect(codes(migrate(facts([sa('default', 'a', { trust })])))).toEqual(['subject-pattern']);
  });

  it('a role in another account, a missing role, an add-on role, a foreign stack', () => {
    const base = sa('default', 'a');
    expect(codes(migrate(facts([{ ...base, role: { kind: 'other-account', accountId: '999988887777' } }])))).toEqual(['cross-account']);
    expect(codes(migrate(facts([{ ...base, role: { kind: 'missing' } }])))).toEqual(['role-missing']);
    expect(codes(migrate(facts([sa('kube-system', 'ebs', { owner: { kind: 'addon', addon: 'aws-ebs-csi-driver' } })])))).toEqual(['addon-owned']);
    expect(codes(migrate(facts([sa('default', 'a', { owner: { kind: 'foreign-stack', reason: 'cluster "other"' } })])))).toEqual(['foreign-stack']);
  });

  it("an add-on's association for the ServiceAccount is foreign", () => {
    const p = migrate(facts([sa('kube-system', 'ebs', { association: association('kube-system', 'ebs', { ownerArn: 'arn:aws:eks:us-west-2:1:addon/prod/aws-ebs-csi-driver/x', tags: {} }) })]));
    expect(codes(p)).toEqual(['addon-owned']);
  });

  it('an association with another role than the annotation is not overwritten', () => {
    expect(codes(migrate(facts([sa('default', 'a', { association: association('default', 'a', { roleArn: roleArn('other') }) })])))).toEqual(['association-role-mismatch']);
  });

  it('China, and a missing agent add-on (unless Auto Mode), block every ServiceAccount', () => {
    expect(codes(migrate(facts([sa('default', 'a')], { partition: 'aws-cn', region: 'cn-north-1' })))).toEqual(['partition']);
    const noAgent = migrate(facts([sa('default', 'a')], { agent: undefined }));
    expect(codes(noAgent)).toEqual(['agent-missing']);
    expect(noAgent.items[0]!.blockers[0]!.fix).toBe('aws eks create-addon --cluster-name prod --addon-name eks-pod-identity-agent --region us-west-2');
    expect(migrate(facts([sa('default', 'a')], { agent: undefined, autoMode: true })).items[0]!.status).toBe('changes');
  });

  it('Windows nodes warn, and block nothing', () => {
    const p = migrate(facts([sa('default', 'a')], { windowsNodes: ['win-1'] }));
    expect(p.warnings.map((w) => w.code)).toEqual(['windows-nodes']);
    expect(p.items[0]!.status).toBe('changes');
  });

  it('a trust policy changed outside its stack blocks (the stack update would undo it)', () => {
    const trust = irsaTrust('default', 'a');
    const p = migrate(facts([sa('default', 'a', { trust: withPodIdentityTrust(trust), owner: stackOwner(trust) })]));
    expect(codes(p)).toEqual(['trust-drift']);
  });
});

describe('rollback plan', () => {
  const rollback = (f: MigrationFacts) => planMigration(f, { mode: 'rollback', cutOver: false });
  const dual = withPodIdentityTrust(irsaTrust('default', 'a'));

  it('does not add an OIDC trust the role never had', () => {
    const podOnly = { Version: '2012-10-17', Statement: [podIdentityStatement()] };
    const assoc = association('default', 'a', { tags: { ...association('default', 'a').tags, [IRSA_OIDC_TRUST_TAG]: 'false' } });
    expect(actions(rollback(facts([sa('default', 'a', { trust: podOnly, association: assoc, annotated: false })])))).toEqual(['restore-annotation', 'delete-association', 'remove-pod-identity-trust']);
  });

  it('from phase 1: the migration trust goes', () => {
    expect(actions(rollback(facts([sa('default', 'a', { trust: dual })])))).toEqual(['remove-pod-identity-trust']);
  });

  it('from phase 2: the association, then the trust', () => {
    expect(actions(rollback(facts([sa('default', 'a', { trust: dual, association: association('default', 'a') })])))).toEqual(['delete-association', 'remove-pod-identity-trust']);
  });

  it('from the cut-over: annotation and OIDC trust back first, the association (which records them) after', () => {
    const cut = { Version: '2012-10-17', Statement: [podIdentityStatement()] };
    const assoc = association('default', 'a', { tags: { ...association('default', 'a').tags, [IRSA_OIDC_TRUST_TAG]: 'true' } });
    const p = rollback(facts([sa('default', 'a', { trust: cut, association: assoc, annotated: false })]));
    expect(actions(p)).toEqual(['restore-annotation', 'restore-oidc-trust', 'delete-association', 'remove-pod-identity-trust']);
  });

  it('leaves an association it did not make, and a pods trust it did not add', () => {
    const foreignTrust = { Version: '2012-10-17', Statement: [...irsaTrust('default', 'a').Statement, { Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] };
    const p = rollback(facts([sa('default', 'a', { trust: foreignTrust, association: association('default', 'a', { tags: {} }) })]));
    expect(p.items[0]).toMatchObject({ status: 'done', steps: [] });
    expect(p.items[0]!.warnings.map((w) => w.code)).toEqual(['association-not-ours']);
  });

  it("keeps a shared role's trust while another ServiceAccount's association still uses it", () => {
    const p = rollback(facts([sa('default', 'a', { trust: dual, association: association('default', 'a') })], {}, { [roleArn('r-a')]: ['default/a', 'default/other'] }));
    expect(actions(p)).toEqual(['delete-association']);
    expect(p.items[0]!.warnings.map((w) => w.code)).toEqual(['trust-still-used']);
  });
});
