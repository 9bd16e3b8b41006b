import type { CfnString, CfnSub, PolicyDocument } from './policy.js';
import type { OidcInfo } from '../model/oidc.js';
import type { ControllerPolicy, ServiceAccountSpec, WellKnownPolicies, WellKnownPolicySelection } from '../model/service-account.js';
import { saId } from '../model/service-account.js';
import { IrsaError } from '../errors.js';
import { ROLE_OUTPUT } from '../model/naming.js';
import { trustPolicyFor } from './trust-policy.js';
import { controllerInlinePolicies, controllerManagedPolicyArns, wellKnownInlinePolicies, wellKnownManagedPolicyArns } from './well-known-policies.js';

export interface RoleResource {
  Type: 'AWS::IAM::Role';
  Properties: {
    RoleName?: string;
    AssumeRolePolicyDocument: PolicyDocument;
    ManagedPolicyArns?: CfnString[];
    PermissionsBoundary?: string;
  };
}
export interface PolicyResource {
  Type: 'AWS::IAM::Policy';
  Properties: {
    PolicyName: CfnSub;
    Roles: { Ref: string }[];
    /** Well-known documents, or the user's attachPolicy verbatim. */
    PolicyDocument: PolicyDocument | Record<string, unknown>;
  };
}
export type CfnResource = RoleResource | PolicyResource;

export interface CfnTemplate {
  AWSTemplateFormatVersion: '2010-09-09';
  Description: string;
  Resources: Record<string, CfnResource>;
  Outputs: Record<string, { Value: unknown }>;
}

export const ROLE_LOGICAL_ID = 'Role1';
export const ATTACH_POLICY_LOGICAL_ID = 'Policy1';

/** eksctl's exact text: templates from either tool must compare equal. */
export const descriptionFor = (sa: { namespace: string; name: string }): string =>
  `IAM role for serviceaccount "${saId(sa)}" [created and managed by eksctl]`;

const policyResource = (logicalId: string, document: PolicyResource['Properties']['PolicyDocument']): PolicyResource => ({
  Type: 'AWS::IAM::Policy',
  Properties: {
    PolicyName: { 'Fn::Sub': `\${AWS::StackName}-${logicalId}` },
    Roles: [{ Ref: ROLE_LOGICAL_ID }],
    PolicyDocument: document,
  },
});

/** The role stack template for one service account, as eksctl renders it, so eksctl and irsactl can manage each other's stacks. */
export function renderTemplate(sa: ServiceAccountSpec, oidc: OidcInfo): CfnTemplate {
  if (sa.attachRoleARN) {
    throw new IrsaError('INTERNAL', `service account ${saId(sa)} uses attachRoleARN and has no role stack`);
  }
  return roleStackTemplate({
    description: descriptionFor(sa),
    trustPolicy: trustPolicyFor(sa, oidc),
    roleName: sa.roleName,
    managedPolicyArns: sa.attachPolicyARNs,
    wellKnownPolicies: sa.wellKnownPolicies,
    ...(sa.wellKnownPolicySelection ? { wellKnownPolicySelection: sa.wellKnownPolicySelection } : {}),
    ...(sa.controllerPolicies ? { controllerPolicies: sa.controllerPolicies } : {}),
    permissionsBoundary: sa.permissionsBoundary,
    inlinePolicy: sa.attachPolicy,
  });
}

/** What differs between the role stacks eksctl makes (IAMRoleResourceSet): everything else is the same. */
export interface RoleStackParts {
  description: string;
  trustPolicy: PolicyDocument;
  roleName?: string;
  managedPolicyArns: readonly string[];
  wellKnownPolicies: WellKnownPolicies;
  /** eksctl's statements (unset) or each controller's own (irsactl-only) */
  wellKnownPolicySelection?: WellKnownPolicySelection;
  /** controllers' own policies eksctl has no key for (irsactl-only) */
  controllerPolicies?: readonly ControllerPolicy[];
  permissionsBoundary?: string;
  inlinePolicy?: Record<string, unknown>;
  /** the inline policy's logical id (eksctl's default: Policy1) */
  inlinePolicyName?: string;
}

/** eksctl's IAMRoleResourceSet.AddAllResources: managed ARNs then well-known ones, well-known documents, then the inline one. */
export function roleStackTemplate(parts: RoleStackParts): CfnTemplate {
  const managedPolicyArns: CfnString[] = [
    ...parts.managedPolicyArns,
    ...wellKnownManagedPolicyArns(parts.wellKnownPolicies, parts.wellKnownPolicySelection),
    ...controllerManagedPolicyArns(parts.controllerPolicies),
  ];
  const role: RoleResource = {
    Type: 'AWS::IAM::Role',
    Properties: {
      ...(parts.roleName ? { RoleName: parts.roleName } : {}),
      AssumeRolePolicyDocument: parts.trustPolicy,
      ...(managedPolicyArns.length > 0 ? { ManagedPolicyArns: managedPolicyArns } : {}),
      ...(parts.permissionsBoundary ? { PermissionsBoundary: parts.permissionsBoundary } : {}),
    },
  };
  const resources: Record<string, CfnResource> = { [ROLE_LOGICAL_ID]: role };
  for (const policy of [...wellKnownInlinePolicies(parts.wellKnownPolicies, parts.wellKnownPolicySelection), ...controllerInlinePolicies(parts.controllerPolicies)]) {
    resources[policy.logicalId] = policyResource(policy.logicalId, policy.document);
  }
  if (parts.inlinePolicy && Object.keys(parts.inlinePolicy).length > 0) {
    const logicalId = parts.inlinePolicyName ?? ATTACH_POLICY_LOGICAL_ID;
    resources[logicalId] = policyResource(logicalId, structuredClone(parts.inlinePolicy));
  }
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: parts.description,
    Resources: resources,
    // The list form: moto rejects eksctl's "Role1.Arn" string form; CloudFormation treats both alike.
    Outputs: { [ROLE_OUTPUT]: { Value: { 'Fn::GetAtt': [ROLE_LOGICAL_ID, 'Arn'] } } },
  };
}

/**
 * Key order where eksctl encodes a Go struct (field order); everywhere else it encodes
 * a map, whose keys Go sorts. Keys are matched by path from the template root.
 */
const TEMPLATE_FIELDS = ['AWSTemplateFormatVersion', 'Description', 'Resources', 'Outputs'];
const RESOURCE_FIELDS = ['Type', 'Properties'];
const PROPERTY_FIELDS = [
  // AWS::IAM::Role
  'RoleName',
  'Path',
  'AssumeRolePolicyDocument',
  'ManagedPolicyArns',
  'PermissionsBoundary',
  // AWS::IAM::Policy
  'PolicyName',
  'Roles',
  'PolicyDocument',
];
const OUTPUT_FIELDS = ['Value', 'Export'];

function structFieldsAt(path: readonly string[]): readonly string[] | undefined {
  if (path.length === 0) return TEMPLATE_FIELDS;
  if (path[0] === 'Resources' && path.length === 2) return RESOURCE_FIELDS;
  if (path[0] === 'Resources' && path.length === 3 && path[2] === 'Properties') return PROPERTY_FIELDS;
  if (path[0] === 'Outputs' && path.length === 2) return OUTPUT_FIELDS;
  return undefined;
}

/** Go sorts map keys by bytes, i.e. by UTF-8, not by UTF-16 code units. */
const byUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

function orderedKeys(obj: Record<string, unknown>, path: readonly string[]): string[] {
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined);
  const fields = structFieldsAt(path);
  if (!fields) return keys.sort(byUtf8);
  const known = fields.filter((f) => keys.includes(f));
  const rest = keys.filter((k) => !fields.includes(k)).sort(byUtf8);
  return [...known, ...rest];
}

/** Go's encoding/json also escapes these, so the body is byte-identical to eksctl's. */
const goEscapes: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};
const encodeString = (s: string): string => JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => goEscapes[c]);

function encode(value: unknown, path: string[]): string {
  if (typeof value === 'string') return encodeString(value);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : encode(v, path))).join(',')}]`;
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const members = orderedKeys(obj, path).map((k) => `${encodeString(k)}:${encode(obj[k], [...path, k])}`);
    return `{${members.join(',')}}`;
  }
  throw new IrsaError('INTERNAL', `cannot encode a ${typeof value} in a template`);
}

/** Compact JSON with eksctl's key order, so identical inputs give identical bodies. */
export function templateBody(t: CfnTemplate): string {
  return encode(t, []);
}
