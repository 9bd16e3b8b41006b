import type {
  AwsPorts,
  CloudFormationPort,
  CreateStackInput,
  EksPort,
  FargateProfileInfo,
  IamPort,
  PodIdentityAssociationInfo,
  OidcProviderInfo,
  RoleInfo,
  StackEvent,
  StackRecord,
} from '../../src/aws/ports.js';
import { IrsaError } from '../../src/errors.js';
import { ROLE_OUTPUT } from '../../src/model/naming.js';
import { oidcInfoFrom } from '../../src/model/oidc.js';

// In-memory AWS ports for the unit tier (the role of the AWS CDK's FakeCloudFormation): what moto and the sandbox's
// proxy do for the integration tiers, reduced to what the create/get/delete paths read and write. A stack completes
// at once (CREATE_COMPLETE with its role as output Role1, the role then readable through IAM); a deleted stack
// leaves the live list at once. What is not modelled throws, so a test that reaches it fails loudly rather than
// passing against a guess.

export interface MemoryAwsOptions {
  cluster: string;
  region: string;
  account?: string;
  /** whether the cluster's IAM OIDC provider exists already (default true) */
  oidcProvider?: boolean;
  /** EKS Auto Mode (the Pod Identity agent built in) */
  autoMode?: boolean;
  /** the eks-pod-identity-agent add-on's status; undefined: not installed (default ACTIVE) */
  podIdentityAgent?: string | null;
  /** the cluster's partition (default aws): its ARN and its OIDC provider's */
  partition?: string;
  /** AWS-managed policy ARNs GetPolicy answers NoSuchEntity for (the partition lacks them); others exist */
  missingPolicies?: readonly string[];
  /** the cluster's Fargate profiles (none by default) */
  fargateProfiles?: FargateProfileInfo[];
}

export interface MemoryAws {
  ports: AwsPorts;
  /** Every stack ever created here, by name, in its latest state (deleted ones in DELETE_COMPLETE). */
  stacks: Map<string, StackRecord & { templateBody: string }>;
  roles: Map<string, RoleInfo>;
  /** Every call, as "<service>.<method> <first argument>", in order. */
  calls: string[];
  /** EKS's pod identity associations, by id (ownerArn set: an add-on's) */
  associations: Map<string, PodIdentityAssociationInfo>;
  /** Runs before each EKS association call: a test throws here (an EKS refusal) or changes `associations` (a race). */
  beforeEks?: (call: string) => void;
}

const notModelled = (what: string): never => {
  throw new IrsaError('INTERNAL', `the in-memory AWS of the unit tests does not model ${what}`);
};

export function memoryAws(opts: MemoryAwsOptions): MemoryAws {
  const account = opts.account ?? '111122223333';
  const issuer = `https://oidc.eks.${opts.region}.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF`;
  const partition = opts.partition ?? 'aws';
  const oidc = oidcInfoFrom(issuer, partition, account);
  const providers = new Map<string, OidcProviderInfo>();
  if (opts.oidcProvider ?? true) {
    providers.set(oidc.providerArn, { arn: oidc.providerArn, url: oidc.issuerHostPath, clientIds: ['sts.amazonaws.com'], thumbprints: [], tags: {} });
  }
  const stacks: MemoryAws['stacks'] = new Map();
  const roles: MemoryAws['roles'] = new Map();
  const calls: string[] = [];
  const log = (call: string, arg = ''): void => {
    calls.push(arg === '' ? call : `${call} ${arg}`);
  };
  let serial = 0;

  const find = (nameOrId: string) => [...stacks.values()].find((s) => s.stackName === nameOrId || s.stackId === nameOrId);
  const live = (nameOrId: string) => {
    const s = find(nameOrId);
    return s !== undefined && s.status !== 'DELETE_COMPLETE' ? s : undefined;
  };
  const copy = (s: StackRecord & { templateBody: string }): StackRecord => {
    const { templateBody: _body, ...record } = structuredClone(s);
    return record;
  };

  /** The role Role1 of the template: its RoleName, or a name CloudFormation would make up. */
  function createRole(input: CreateStackInput): string {
    const template = JSON.parse(input.templateBody) as { Resources?: Record<string, { Properties?: Record<string, unknown> }> };
    const props = template.Resources?.[ROLE_OUTPUT]?.Properties ?? {};
    const name = typeof props.RoleName === 'string' ? props.RoleName : `${input.stackName}-${ROLE_OUTPUT}-${String(++serial).padStart(12, '0')}`.slice(0, 64);
    const arn = `arn:aws:iam::${account}:role/${name}`;
    roles.set(name, { arn, name, trustPolicy: props.AssumeRolePolicyDocument, tags: { ...input.tags } });
    return arn;
  }

  type RoleTemplate = { Resources?: Record<string, { Type?: string; Properties?: { ManagedPolicyArns?: (string | { 'Fn::Sub': string })[]; PolicyName?: { 'Fn::Sub': string }; PolicyDocument?: unknown } }> };
  /** The live stack whose Role1 is this role, and its template. */
  function stackOfRole(role: string): (StackRecord & { templateBody: string }) | undefined {
    return [...stacks.values()].find((s) => s.status !== 'DELETE_COMPLETE' && s.outputs[ROLE_OUTPUT]?.endsWith(`:role/${role}`));
  }
  function templateOfRole(role: string): RoleTemplate | undefined {
    const s = stackOfRole(role);
    return s === undefined ? undefined : (JSON.parse(s.templateBody) as RoleTemplate);
  }
  /** [name, document] of each AWS::IAM::Policy of the role's stack, named as CloudFormation names them (Fn::Sub of the stack name). */
  function inlinePolicies(role: string): [string, unknown][] {
    const s = stackOfRole(role);
    const resources = templateOfRole(role)?.Resources ?? {};
    return Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties?.PolicyName !== undefined)
      .map((r) => [r.Properties!.PolicyName!['Fn::Sub'].replace('${AWS::StackName}', s!.stackName), r.Properties!.PolicyDocument]);
  }

  const cfn: CloudFormationPort = {
    async listStacks(statuses) {
      log('cfn.listStacks');
      return [...stacks.values()].filter((s) => statuses.includes(s.status)).map((s) => ({ stackName: s.stackName, stackId: s.stackId, status: s.status }));
    },
    async describeStack(nameOrId) {
      log('cfn.describeStack', nameOrId);
      const s = nameOrId.startsWith('arn:') ? find(nameOrId) : live(nameOrId);
      return s === undefined ? undefined : copy(s);
    },
    async createStack(input) {
      log('cfn.createStack', input.stackName);
      if (live(input.stackName) !== undefined) return 'exists';
      const stackId = `arn:aws:cloudformation:${opts.region}:${account}:stack/${input.stackName}/${String(++serial).padStart(8, '0')}`;
      const roleArn = createRole(input);
      stacks.set(input.stackName, {
        stackName: input.stackName,
        stackId,
        status: 'CREATE_COMPLETE',
        tags: { ...input.tags },
        outputs: { [ROLE_OUTPUT]: roleArn },
        capabilities: [...input.capabilities],
        terminationProtection: input.terminationProtection,
        templateBody: input.templateBody,
      });
      return 'created';
    },
    async updateStack(input) {
      log('cfn.updateStack', input.stackName);
      const s = live(input.stackName);
      if (s === undefined) throw new IrsaError('AWS', `Stack [${input.stackName}] does not exist`, { httpStatus: 400, awsCode: 'ValidationError' });
      if (s.templateBody === input.templateBody && JSON.stringify(s.tags) === JSON.stringify(input.tags)) return 'no-change';
      Object.assign(s, { templateBody: input.templateBody, tags: { ...input.tags }, status: 'UPDATE_COMPLETE' });
      // CloudFormation applies the role's new trust policy at once here (the migration's dual trust goes this way)
      const role = [...roles.values()].find((r) => r.arn === s.outputs[ROLE_OUTPUT]);
      const trust = (JSON.parse(input.templateBody) as { Resources?: Record<string, { Properties?: { AssumeRolePolicyDocument?: unknown } }> }).Resources?.[ROLE_OUTPUT]?.Properties?.AssumeRolePolicyDocument;
      if (role !== undefined && trust !== undefined) role.trustPolicy = structuredClone(trust);
      return 'updated';
    },
    async deleteStack(nameOrId) {
      log('cfn.deleteStack', nameOrId);
      const s = find(nameOrId);
      if (s === undefined || s.status === 'DELETE_COMPLETE') return;
      if (s.terminationProtection) throw new IrsaError('AWS', `Stack [${s.stackName}] cannot be deleted while TerminationProtection is enabled`, { httpStatus: 400, awsCode: 'ValidationError' });
      s.status = 'DELETE_COMPLETE';
      const role = s.outputs[ROLE_OUTPUT];
      for (const [name, r] of roles) if (r.arn === role) roles.delete(name);
    },
    async setTerminationProtection(nameOrId, enabled) {
      log('cfn.setTerminationProtection', nameOrId);
      const s = live(nameOrId) ?? notModelled(`termination protection of a missing stack (${nameOrId})`);
      s.terminationProtection = enabled;
    },
    async getTemplate(nameOrId) {
      log('cfn.getTemplate', nameOrId);
      return (find(nameOrId) ?? notModelled(`the template of a missing stack (${nameOrId})`)).templateBody;
    },
    async describeStackEvents(nameOrId): Promise<StackEvent[]> {
      log('cfn.describeStackEvents', nameOrId);
      return [];
    },
  };

  const iam: IamPort = {
    async getOidcProvider(arn) {
      log('iam.getOidcProvider', arn);
      const p = providers.get(arn);
      return p === undefined ? undefined : structuredClone(p);
    },
    async listOidcProviderArns() {
      log('iam.listOidcProviderArns');
      return [...providers.keys()];
    },
    async createOidcProvider(input) {
      log('iam.createOidcProvider', input.url);
      const url = input.url.replace(/^https:\/\//, '');
      const arn = `arn:aws:iam::${account}:oidc-provider/${url}`;
      if (providers.has(arn)) return 'exists';
      providers.set(arn, { arn, url, clientIds: [...input.clientIds], thumbprints: [...input.thumbprints], tags: { ...input.tags } });
      return 'created';
    },
    async getRole(name) {
      log('iam.getRole', name);
      const r = roles.get(name);
      return r === undefined ? undefined : structuredClone(r);
    },
    // The drift check's reads: the role as the live stack that made it says (CloudFormation applies at once here).
    async listAttachedRolePolicyArns(role) {
      log('iam.listAttachedRolePolicies', role);
      const arns = templateOfRole(role)?.Resources?.[ROLE_OUTPUT]?.Properties?.ManagedPolicyArns ?? [];
      return arns.map((a) => (typeof a === 'string' ? a : a['Fn::Sub'].replace('${AWS::Partition}', 'aws')));
    },
    async listRolePolicyNames(role) {
      log('iam.listRolePolicies', role);
      return inlinePolicies(role).map(([name]) => name);
    },
    async getRolePolicy(role, policyName) {
      log('iam.getRolePolicy', role);
      const found = inlinePolicies(role).find(([name]) => name === policyName);
      if (found === undefined) return notModelled(`GetRolePolicy of ${policyName}, which no stack made`);
      return structuredClone(found[1]);
    },
    async updateAssumeRolePolicy(role, document) {
      log('iam.updateAssumeRolePolicy', role);
      const r = roles.get(role);
      if (r === undefined) throw new IrsaError('AWS', `The role with name ${role} cannot be found.`, { httpStatus: 404, awsCode: 'NoSuchEntity' });
      r.trustPolicy = structuredClone(document);
    },
    attachRolePolicy: async () => notModelled('AttachRolePolicy'),
    detachRolePolicy: async () => notModelled('DetachRolePolicy'),
    putRolePolicy: async () => notModelled('PutRolePolicy'),
    deleteRolePolicy: async () => notModelled('DeleteRolePolicy'),
    putRolePermissionsBoundary: async () => notModelled('PutRolePermissionsBoundary'),
    deleteRolePermissionsBoundary: async () => notModelled('DeleteRolePermissionsBoundary'),
    tagRole: async () => notModelled('TagRole'),
    untagRole: async () => notModelled('UntagRole'),
    async policyExists(arn) {
      log('iam.getPolicy', arn);
      if (!/^arn:[\w-]+:iam::aws:policy\//.test(arn)) return notModelled(`GetPolicy of a customer policy (${arn})`);
      return !(opts.missingPolicies ?? []).includes(arn);
    },
  };

  // EKS Pod Identity as the API model says: one association per ServiceAccount (ResourceInUse), the role must be in
  // the cluster's account and trust pods.eks.amazonaws.com (InvalidParameter), an add-on's association refuses changes.
  const associations: MemoryAws['associations'] = new Map();
  const state: Pick<MemoryAws, 'beforeEks'> = {};
  const eksCall = (call: string, arg: string) => {
    log(call, arg);
    state.beforeEks?.(call);
  };
  const trusted = (roleArn: string) => {
    const role = [...roles.values()].find((r) => r.arn === roleArn);
    if (roleArn.split(':')[4] !== account || role === undefined) throw new IrsaError('AWS', 'CreatePodIdentityAssociation failed: Role provided in the request does not exist', { httpStatus: 400, awsCode: 'InvalidParameter' });
    if (!JSON.stringify(role.trustPolicy ?? {}).includes('pods.eks.amazonaws.com')) {
      throw new IrsaError('AWS', 'Trust policy of the role provided is invalid. Follow the official documentation to resolve the issue.', { httpStatus: 400, awsCode: 'InvalidParameter' });
    }
  };
  const owned = (id: string) => {
    const a = associations.get(id);
    if (a === undefined) throw new IrsaError('AWS', `No Pod Identity Association found with id ${id}`, { httpStatus: 404, awsCode: 'ResourceNotFound' });
    if (a.ownerArn !== undefined) throw new IrsaError('AWS', `owned by ${a.ownerArn}`, { httpStatus: 400, awsCode: 'InvalidRequest' });
    return a;
  };
  const podIdentityEks: Omit<EksPort, 'describeCluster' | 'tagResource'> = {
    async listFargateProfiles() {
      log('eks.listFargateProfiles', '');
      return structuredClone(opts.fargateProfiles ?? []);
    },
    async describeAddon(_cluster, name) {
      log('eks.describeAddon', name);
      const status = opts.podIdentityAgent === undefined ? 'ACTIVE' : opts.podIdentityAgent;
      return status === null ? undefined : { name, status, version: 'v1.3.4-eksbuild.1' };
    },
    async listPodIdentityAssociations(_cluster, filter) {
      eksCall('eks.listPodIdentityAssociations', `${filter?.namespace ?? ''}/${filter?.serviceAccount ?? ''}`);
      return [...associations.values()]
        .filter((a) => (filter?.namespace === undefined || a.namespace === filter.namespace) && (filter?.serviceAccount === undefined || a.serviceAccount === filter.serviceAccount))
        .map((a) => ({ associationId: a.associationId, associationArn: a.associationArn, namespace: a.namespace, serviceAccount: a.serviceAccount, ...(a.ownerArn ? { ownerArn: a.ownerArn } : {}) }));
    },
    async describePodIdentityAssociation(_cluster, id) {
      eksCall('eks.describePodIdentityAssociation', id);
      const a = associations.get(id);
      return a === undefined ? undefined : structuredClone(a);
    },
    async createPodIdentityAssociation(input) {
      eksCall('eks.createPodIdentityAssociation', `${input.namespace}/${input.serviceAccount}`);
      if ([...associations.values()].some((a) => a.namespace === input.namespace && a.serviceAccount === input.serviceAccount)) return 'exists';
      trusted(input.roleArn);
      const associationId = `a-${String(++serial).padStart(17, '0')}`;
      const a: PodIdentityAssociationInfo = {
        associationId,
        associationArn: `arn:aws:eks:${opts.region}:${account}:podidentityassociation/${input.cluster}/${associationId}`,
        namespace: input.namespace,
        serviceAccount: input.serviceAccount,
        roleArn: input.roleArn,
        ...(input.targetRoleArn !== undefined ? { targetRoleArn: input.targetRoleArn, externalId: 'external-id' } : {}),
        disableSessionTags: input.disableSessionTags ?? false,
        ...(input.policy !== undefined ? { policy: input.policy } : {}),
        tags: { ...input.tags },
      };
      associations.set(associationId, a);
      return structuredClone(a);
    },
    async updatePodIdentityAssociation(_cluster, id, fields) {
      eksCall('eks.updatePodIdentityAssociation', id);
      const a = owned(id);
      if (fields.roleArn !== undefined) trusted(fields.roleArn);
      const { targetRoleArn: _t, policy: _p, ...rest } = a;
      const target = fields.targetRoleArn === undefined ? a.targetRoleArn : fields.targetRoleArn || undefined;
      const policy = fields.policy === undefined ? a.policy : fields.policy || undefined;
      const next: PodIdentityAssociationInfo = {
        ...rest,
        roleArn: fields.roleArn ?? a.roleArn,
        disableSessionTags: fields.disableSessionTags ?? a.disableSessionTags ?? false,
        ...(target !== undefined ? { targetRoleArn: target } : {}),
        ...(policy !== undefined ? { policy } : {}),
      };
      associations.set(id, next);
      return structuredClone(next);
    },
    async deletePodIdentityAssociation(_cluster, id) {
      eksCall('eks.deletePodIdentityAssociation', id);
      if (!associations.has(id)) return 'absent';
      owned(id);
      associations.delete(id);
      return 'deleted';
    },
  };

  const ports: AwsPorts = {
    eks: {
      async describeCluster(name) {
        log('eks.describeCluster', name);
        if (name !== opts.cluster) throw new IrsaError('NOT_FOUND', `cluster "${name}" not found in ${opts.region}`);
        return {
          name,
          arn: `arn:${partition}:eks:${opts.region}:${account}:cluster/${name}`,
          partition,
          accountId: account,
          region: opts.region,
          status: 'ACTIVE',
          // Never dialled: the in-memory KubePort stands in for the connection.
          endpoint: 'https://kubernetes.memory.invalid',
          certificateAuthorityData: Buffer.from('not a certificate').toString('base64'),
          oidcIssuer: issuer,
          tags: {},
          ...(opts.autoMode ? { autoMode: true } : {}),
        };
      },
      tagResource: async () => notModelled('EKS TagResource'),
      ...podIdentityEks,
    },
    iam,
    cfn,
    sts: {
      async getCallerIdentity() {
        log('sts.getCallerIdentity');
        return { account, arn: `arn:aws:iam::${account}:user/unit-test`, userId: 'AIDAUNITTEST' };
      },
      assumeRoleWithWebIdentity: async () => notModelled('AssumeRoleWithWebIdentity'),
    },
    // The sandbox serves EKS Auth (sandbox/eks-auth.ts); unit tests do not need it.
    eksAuth: { assumeRoleForPodIdentity: async () => notModelled('AssumeRoleForPodIdentity') },
  };
  return {
    ports,
    stacks,
    roles,
    calls,
    associations,
    get beforeEks() {
      return state.beforeEks;
    },
    set beforeEks(f) {
      state.beforeEks = f;
    },
  };
}
