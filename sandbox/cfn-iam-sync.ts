import { fakeAuthorization } from './moto.js';

// What CloudFormation does to an IAM role and moto 5.2.1 does not: moto ignores a role's
// ManagedPolicyArns, stores CloudFormation-made inline policies as a Python repr, does not propagate stack tags to
// the role, and applies nothing of an UpdateStack to IAM. After moto has answered a CreateStack or UpdateStack with
// 200, the proxy calls `syncStackRoles`, which reads the stack back from moto and makes each of its
// `AWS::IAM::Role`s what CloudFormation would have made it: trust policy, permissions boundary, managed policies,
// inline policies (the role's `Policies` and every `AWS::IAM::Policy` that names it), and tags (the role's own, then
// the stack's). Plain query calls straight to moto, with moto's placeholder signature: the sandbox must not depend on
// the code under test, and these calls must not show in the proxy's request log.

type Json = Record<string, unknown>;

/** The caller's request: its access key picks moto's account, its region the stack's region. */
export interface StackCaller {
  accessKeyId: string;
  region: string;
  stackName: string;
}

const unescapeXml = (s: string): string =>
  s.replace(/&(lt|gt|quot|apos|amp|#(\d+)|#x([0-9a-fA-F]+));/g, (_m, name: string, dec?: string, hex?: string) => {
    if (dec !== undefined) return String.fromCodePoint(Number(dec));
    if (hex !== undefined) return String.fromCodePoint(parseInt(hex, 16));
    return { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' }[name] ?? '';
  });

const fields = (xml: string, field: string): string[] =>
  [...xml.matchAll(new RegExp(`<${field}>([\\s\\S]*?)</${field}>`, 'g'))].map((m) => unescapeXml(m[1] ?? ''));
const field = (xml: string, name: string): string | undefined => fields(xml, name)[0];
const members = (xml: string, list: string): string[] => {
  const inner = new RegExp(`<${list}>([\\s\\S]*?)</${list}>`).exec(xml)?.[1] ?? '';
  return [...inner.matchAll(/<member>([\s\S]*?)<\/member>/g)].map((m) => m[1] ?? '');
};

class MotoQuery {
  constructor(
    private readonly motoUrl: string,
    private readonly caller: StackCaller,
  ) {}

  async call(service: 'iam' | 'cloudformation', params: Record<string, string>): Promise<string> {
    const version = service === 'iam' ? '2010-05-08' : '2010-05-15';
    const region = service === 'iam' ? 'us-east-1' : this.caller.region;
    const res = await fetch(this.motoUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        authorization: fakeAuthorization(this.caller.accessKeyId, region, service),
      },
      body: new URLSearchParams({ ...params, Version: version }).toString(),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`moto ${service} ${params.Action} answered HTTP ${res.status}: ${text.slice(0, 300)}`);
    return text;
  }
}

interface Pseudo {
  partition: string;
  accountId: string;
  region: string;
  stackName: string;
  /** logical ID → physical ID (a role's Ref is its name) */
  physical: Map<string, string>;
}

/** The intrinsics irsactl's and eksctl's role templates use: Fn::Sub with pseudo parameters, and Ref. */
function resolve(value: unknown, p: Pseudo): unknown {
  if (Array.isArray(value)) return value.map((v) => resolve(v, p));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Json;
  const keys = Object.keys(obj);
  if (keys.length === 1 && keys[0] === 'Fn::Sub' && typeof obj['Fn::Sub'] === 'string') {
    const vars: Record<string, string> = {
      'AWS::Partition': p.partition,
      'AWS::AccountId': p.accountId,
      'AWS::Region': p.region,
      'AWS::StackName': p.stackName,
      'AWS::URLSuffix': 'amazonaws.com',
    };
    return obj['Fn::Sub'].replace(/\$\{([^}]+)\}/g, (m, name: string) => vars[name] ?? p.physical.get(name) ?? m);
  }
  if (keys.length === 1 && keys[0] === 'Ref' && typeof obj.Ref === 'string') {
    return p.physical.get(obj.Ref) ?? { 'AWS::AccountId': p.accountId, 'AWS::Region': p.region, 'AWS::StackName': p.stackName }[obj.Ref] ?? obj.Ref;
  }
  return Object.fromEntries(keys.map((k) => [k, resolve(obj[k], p)]));
}

const asStrings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const asTags = (v: unknown): [string, string][] =>
  Array.isArray(v)
    ? v.flatMap((t) => (t !== null && typeof t === 'object' && typeof (t as Json).Key === 'string' ? [[(t as Json).Key as string, String((t as Json).Value ?? '')] as [string, string]] : []))
    : [];

/** What CloudFormation leaves on one role, from the resolved template and the stack's tags. */
export interface DesiredRole {
  roleName: string;
  trustPolicy: unknown;
  boundary?: string;
  managedPolicyArns: string[];
  inlinePolicies: Map<string, unknown>;
  tags: Map<string, string>;
}

/** Pure: the roles a template describes, with the stack's tags propagated after the role's own (the stack's win). */
export function desiredRoles(template: Json, p: Pseudo, stackTags: [string, string][]): DesiredRole[] {
  const resources = (resolve(template.Resources ?? {}, p) ?? {}) as Record<string, Json>;
  const roles: DesiredRole[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    const roleName = p.physical.get(logicalId);
    if (roleName === undefined) continue;
    const props = (resource.Properties ?? {}) as Json;
    const inlinePolicies = new Map<string, unknown>();
    for (const policy of Array.isArray(props.Policies) ? (props.Policies as Json[]) : []) {
      if (typeof policy.PolicyName === 'string') inlinePolicies.set(policy.PolicyName, policy.PolicyDocument);
    }
    for (const other of Object.values(resources)) {
      const otherProps = (other.Properties ?? {}) as Json;
      if (other.Type === 'AWS::IAM::Policy' && asStrings(otherProps.Roles).includes(roleName) && typeof otherProps.PolicyName === 'string') {
        inlinePolicies.set(otherProps.PolicyName, otherProps.PolicyDocument);
      }
    }
    roles.push({
      roleName,
      trustPolicy: props.AssumeRolePolicyDocument,
      ...(typeof props.PermissionsBoundary === 'string' ? { boundary: props.PermissionsBoundary } : {}),
      managedPolicyArns: asStrings(props.ManagedPolicyArns),
      inlinePolicies,
      tags: new Map([...asTags(props.Tags), ...stackTags]),
    });
  }
  return roles;
}

/**
 * A policy ARN the role should carry but moto does not know. AWS-managed ones exist once moto loads them
 * (MOTO_IAM_LOAD_MANAGED_POLICIES, set in moto.ts); a customer-managed one a test names without creating is created
 * here with an allow-nothing document, so sandbox tests need not set up every policy they attach (on AWS the stack
 * would fail instead).
 */
async function attachCreatingMissing(q: MotoQuery, roleName: string, arn: string, accountId: string): Promise<void> {
  try {
    await q.call('iam', { Action: 'AttachRolePolicy', RoleName: roleName, PolicyArn: arn });
  } catch (err) {
    const own = new RegExp(`^arn:[^:]+:iam::${accountId}:policy(/.*/|/)([^/]+)$`).exec(arn);
    if (!(err instanceof Error && /NoSuchEntity/.test(err.message)) || own === null) throw err;
    await q.call('iam', {
      Action: 'CreatePolicy',
      PolicyName: own[2] ?? '',
      Path: own[1] ?? '/',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] }),
    });
    await q.call('iam', { Action: 'AttachRolePolicy', RoleName: roleName, PolicyArn: arn });
  }
}

async function syncRole(q: MotoQuery, role: DesiredRole, accountId: string): Promise<void> {
  const { roleName } = role;
  await q.call('iam', { Action: 'UpdateAssumeRolePolicy', RoleName: roleName, PolicyDocument: JSON.stringify(role.trustPolicy) });

  const getRole = await q.call('iam', { Action: 'GetRole', RoleName: roleName });
  const boundary = field(getRole, 'PermissionsBoundaryArn');
  if (role.boundary !== undefined && role.boundary !== boundary) {
    await q.call('iam', { Action: 'PutRolePermissionsBoundary', RoleName: roleName, PermissionsBoundary: role.boundary });
  } else if (role.boundary === undefined && boundary !== undefined) {
    await q.call('iam', { Action: 'DeleteRolePermissionsBoundary', RoleName: roleName });
  }

  const attached = fields(await q.call('iam', { Action: 'ListAttachedRolePolicies', RoleName: roleName }), 'PolicyArn');
  for (const arn of attached.filter((a) => !role.managedPolicyArns.includes(a))) {
    await q.call('iam', { Action: 'DetachRolePolicy', RoleName: roleName, PolicyArn: arn });
  }
  for (const arn of role.managedPolicyArns.filter((a) => !attached.includes(a))) await attachCreatingMissing(q, roleName, arn, accountId);

  // Put every inline policy again: the ones moto's CloudFormation made are Python reprs, not JSON.
  const inline = members(await q.call('iam', { Action: 'ListRolePolicies', RoleName: roleName }), 'PolicyNames').map(unescapeXml);
  for (const name of inline.filter((n) => !role.inlinePolicies.has(n))) await q.call('iam', { Action: 'DeleteRolePolicy', RoleName: roleName, PolicyName: name });
  for (const [name, document] of role.inlinePolicies) {
    await q.call('iam', { Action: 'PutRolePolicy', RoleName: roleName, PolicyName: name, PolicyDocument: JSON.stringify(document) });
  }

  const tagged = members(await q.call('iam', { Action: 'ListRoleTags', RoleName: roleName }), 'Tags').map((m) => field(m, 'Key') ?? '');
  const stale = tagged.filter((k) => !role.tags.has(k));
  if (stale.length > 0) {
    await q.call('iam', { Action: 'UntagRole', RoleName: roleName, ...Object.fromEntries(stale.map((k, i) => [`TagKeys.member.${i + 1}`, k])) });
  }
  if (role.tags.size > 0) {
    const params: Record<string, string> = { Action: 'TagRole', RoleName: roleName };
    [...role.tags].forEach(([k, v], i) => {
      params[`Tags.member.${i + 1}.Key`] = k;
      params[`Tags.member.${i + 1}.Value`] = v;
    });
    await q.call('iam', params);
  }
}

/** Makes the stack's roles in moto what CloudFormation would have made them; call after a successful CreateStack/UpdateStack. */
export async function syncStackRoles(motoUrl: string, caller: StackCaller): Promise<void> {
  const q = new MotoQuery(motoUrl, caller);
  const body = field(await q.call('cloudformation', { Action: 'GetTemplate', StackName: caller.stackName }), 'TemplateBody') ?? '';
  let template: Json;
  try {
    template = JSON.parse(body) as Json;
  } catch {
    return; // A YAML template: irsactl and eksctl render JSON, and the sandbox has no need of the rest.
  }
  const stacks = await q.call('cloudformation', { Action: 'DescribeStacks', StackName: caller.stackName });
  const stackId = field(stacks, 'StackId') ?? '';
  // The caller may have named the stack by its ID; ${AWS::StackName} is its name.
  const stackName = field(stacks, 'StackName') ?? caller.stackName;
  const [, partition = 'aws', , , accountId = ''] = stackId.split(':');
  const stackTags = members(stacks, 'Tags').map((m): [string, string] => [field(m, 'Key') ?? '', field(m, 'Value') ?? '']);
  const resources = members(await q.call('cloudformation', { Action: 'DescribeStackResources', StackName: caller.stackName }), 'StackResources');
  const physical = new Map(resources.map((m) => [field(m, 'LogicalResourceId') ?? '', field(m, 'PhysicalResourceId') ?? '']));
  const pseudo: Pseudo = { partition, accountId, region: caller.region, stackName, physical };
  for (const role of desiredRoles(template, pseudo, stackTags)) await syncRole(q, role, accountId);
}

/**
 * Before moto deletes a stack: CloudFormation detaches a role's managed policies before it deletes the role, and
 * moto's DeleteStack does not, so a role with managed policies (which moto never had before syncStackRoles) would
 * fail to delete with DeleteConflict. A stack that is gone already is left to DeleteStack to report.
 */
export async function detachBeforeStackDelete(motoUrl: string, caller: StackCaller): Promise<void> {
  const q = new MotoQuery(motoUrl, caller);
  let resources: string[];
  try {
    resources = members(await q.call('cloudformation', { Action: 'DescribeStackResources', StackName: caller.stackName }), 'StackResources');
  } catch {
    return;
  }
  for (const r of resources) {
    const roleName = field(r, 'PhysicalResourceId');
    if (field(r, 'ResourceType') !== 'AWS::IAM::Role' || roleName === undefined) continue;
    let attached: string[];
    try {
      attached = fields(await q.call('iam', { Action: 'ListAttachedRolePolicies', RoleName: roleName }), 'PolicyArn');
    } catch {
      // Deleted outside CloudFormation: CloudFormation's delete takes a missing resource as deleted, moto's fails
      // ("Role X not found"). An empty stand-in with the same name lets moto's delete go through as AWS's would.
      const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }] };
      await q.call('iam', { Action: 'CreateRole', RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify(trust) });
      continue;
    }
    for (const arn of attached) await q.call('iam', { Action: 'DetachRolePolicy', RoleName: roleName, PolicyArn: arn });
  }
}
