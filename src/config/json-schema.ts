import * as z from 'zod';
import { isRecord as isPlainObject } from '../json.js';
import { API_VERSION, KIND } from './keys.js';
import { rawClusterConfigSchema } from './schema.js';

// The JSON Schema of the ClusterConfig as irsactl reads it, for editors (`irsactl utils schema`). Generated from the
// loader's own zod schema, so it accepts and rejects the same shapes; the descriptions are added here by path, so the
// loader's schema stays about checking.

type JsonSchema = { [key: string]: unknown };

export type JsonSchemaDraft = 'draft-07' | 'draft-2020-12';

const IGNORED = 'Read by eksctl; irsactl accepts any value here and ignores it.';

/** eksctl's well-known policies: what each attaches to the role, as eksctl's templates do. */
const WELL_KNOWN: Record<string, string> = {
  imageBuilder: 'Attach the AmazonEC2ContainerRegistryPowerUser managed policy (push and pull images in ECR).',
  autoScaler: "Inline policy for the Kubernetes cluster-autoscaler (describe and scale the cluster's Auto Scaling groups).",
  awsLoadBalancerController: 'Inline policy for the AWS Load Balancer Controller (manage ELBs, target groups, security groups).',
  externalDNS: 'Inline policies for ExternalDNS (change and list Route 53 record sets).',
  certManager: "Inline policies for cert-manager's Route 53 DNS01 solver (change record sets, read changes, list zones).",
  ebsCSIController: 'Attach the service-role/AmazonEBSCSIDriverPolicy managed policy (the EBS CSI driver).',
  efsCSIController: 'Inline policy for the EFS CSI driver (manage access points).',
};

const SA = 'iam.serviceAccounts[]';
/** irsactl's own keys beside wellKnownPolicies, on a service account and on a pod identity association alike. */
const profileKeyDescriptions = (at: string): Record<string, string> => ({
  [`${at}.wellKnownPolicyProfile`]:
    'irsactl only: "eksctl" (eksctl\'s statements, the default) or "upstream" (the controller\'s own published policy, pinned by wellKnownPolicyVersions). Overrides iam.wellKnownPolicyProfile.',
  [`${at}.wellKnownPolicyVersions`]:
    'irsactl only: the controller version per well-known policy in the upstream profile (irsactl policies list shows the catalogued ones); unset: the newest.',
  ...Object.fromEntries(Object.keys(WELL_KNOWN).map((k) => [`${at}.wellKnownPolicyVersions.${k}`, `The ${k} version whose published policy to use.`])),
  [`${at}.wellKnownPolicyInputs`]:
    'irsactl only: scoping inputs per well-known policy in the upstream profile, e.g. {externalDNS: {hostedZoneArns: [...]}} (irsactl policies show NAME lists them).',
  ...Object.fromEntries(Object.keys(WELL_KNOWN).map((k) => [`${at}.wellKnownPolicyInputs.${k}`, `The ${k} document's inputs, by name.`])),
});

const DESCRIPTIONS: Record<string, string> = {
  '': 'An eksctl ClusterConfig (eksctl.io/v1alpha5), as irsactl reads it: metadata, iam.serviceAccounts and iam.podIdentityAssociations are checked; the other sections are eksctl\'s and accepted unchecked, and keys irsactl does not know at the top level and under iam are allowed (a newer eksctl\'s; irsactl warns and ignores them).',
  apiVersion: `Must be ${API_VERSION}.`,
  kind: `Must be ${KIND}.`,
  metadata: 'The cluster this file is about.',
  'metadata.name': 'The EKS cluster name (at most 100 characters).',
  'metadata.region': 'The AWS region of the cluster, e.g. us-west-2.',
  'metadata.tags': 'Tags for every stack irsactl creates (with the service account\'s own tags).',
  iam: 'IAM settings of the cluster; irsactl reads withOIDC, serviceAccounts and podIdentityAssociations, and ignores other keys.',
  'iam.wellKnownPolicyProfile':
    'irsactl only: the default profile of every wellKnownPolicies entry: "eksctl" (eksctl\'s statements, the default) or "upstream" (each controller\'s own published policy).',
  'iam.withOIDC': 'Whether the cluster has (or should get) an IAM OIDC provider for its issuer.',
  'iam.serviceAccounts': 'The Kubernetes ServiceAccounts and the IAM role each one assumes (IRSA).',
  [`${SA}.metadata`]: 'The Kubernetes ServiceAccount.',
  [`${SA}.metadata.name`]: 'The ServiceAccount name (a DNS-1123 label).',
  [`${SA}.metadata.namespace`]: 'Its namespace (default: "default").',
  [`${SA}.metadata.labels`]: 'Labels to set on the ServiceAccount.',
  [`${SA}.metadata.annotations`]: 'Annotations to set on the ServiceAccount (irsactl sets eks.amazonaws.com/role-arn itself).',
  [`${SA}.attachPolicyARNs`]: 'ARNs of managed policies to attach to the role, e.g. arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess.',
  [`${SA}.wellKnownPolicies`]: `eksctl's predefined policies for common add-ons: ${Object.keys(WELL_KNOWN).join(', ')}.`,
  ...Object.fromEntries(Object.entries(WELL_KNOWN).map(([k, v]) => [`${SA}.wellKnownPolicies.${k}`, v])),
  ...profileKeyDescriptions(SA),
  [`${SA}.controllerPolicies`]:
    'irsactl only: controllers\' own published policies that eksctl has no wellKnownPolicies key for, by name (irsactl policies list): {version, inputs}.',
  [`${SA}.attachPolicy`]: 'An inline IAM policy document for the role ({Version, Statement}).',
  [`${SA}.attachRoleARN`]: 'Use this existing role instead of creating one (no stack is made).',
  [`${SA}.permissionsBoundary`]: 'ARN of the policy that is the permissions boundary of the role.',
  [`${SA}.roleName`]: 'The IAM role name (default: one CloudFormation generates).',
  [`${SA}.roleOnly`]: 'Create the role only, not the Kubernetes ServiceAccount.',
  [`${SA}.tags`]: 'Tags for the role and its stack.',
  [`${SA}.subjectPattern`]: "A StringLike pattern for the trust policy's subject, instead of the one ServiceAccount.",
};

const PIA = 'iam.podIdentityAssociations[]';
const POD_IDENTITY_DESCRIPTIONS: Record<string, string> = {
  'iam.podIdentityAssociations': 'EKS Pod Identity associations: the IAM role each Kubernetes ServiceAccount gets through the EKS Pod Identity agent (no OIDC provider needed). Not available in the China Regions. A ServiceAccount also in iam.serviceAccounts gets the association\'s role at run time.',
  [`${PIA}.namespace`]: 'The namespace of the ServiceAccount (required).',
  [`${PIA}.serviceAccountName`]: 'The ServiceAccount name (required; no wildcards).',
  [`${PIA}.roleARN`]: 'An existing IAM role that trusts pods.eks.amazonaws.com; without it irsactl makes one in the stack eksctl would (eksctl-<cluster>-podidentityrole-<namespace>-<name>).',
  [`${PIA}.createServiceAccount`]: 'Create the ServiceAccount (without annotations) if it does not exist.',
  [`${PIA}.roleName`]: 'The name of the role irsactl makes (default: one CloudFormation generates; at most 64 characters).',
  [`${PIA}.permissionsBoundaryARN`]: 'ARN of the permissions boundary policy of the role irsactl makes.',
  [`${PIA}.permissionPolicyARNs`]: 'ARNs of managed policies to attach to the role irsactl makes.',
  [`${PIA}.permissionPolicyName`]: 'The name of the inline policy permissionPolicy becomes (default: Policy1).',
  [`${PIA}.permissionPolicy`]: 'An inline IAM policy document for the role irsactl makes ({Version, Statement}).',
  [`${PIA}.wellKnownPolicies`]: `eksctl's predefined policies for common add-ons: ${Object.keys(WELL_KNOWN).join(', ')}.`,
  ...Object.fromEntries(Object.entries(WELL_KNOWN).map(([k, v]) => [`${PIA}.wellKnownPolicies.${k}`, v])),
  ...profileKeyDescriptions(PIA),
  [`${PIA}.tags`]: 'Tags for the association (at most 50) and, when irsactl makes the role, its stack.',
  [`${PIA}.targetRoleARN`]: 'A role (possibly in another account) EKS assumes with roleARN: pods get its credentials (cross-account access).',
  [`${PIA}.disableSessionTags`]: 'Turn off the session tags EKS Pod Identity adds (cluster, namespace, service account …); must be true with policy. Unset: EKS\'s default (on), and left as it is on update.',
  [`${PIA}.policy`]: 'A session policy (JSON text, at most 2,048 characters) that restricts the role further (the target role, with targetRoleARN); needs disableSessionTags: true.',
};

const isRecord = (v: unknown): v is JsonSchema => isPlainObject(v);

/** The node and, for a nullable one, the non-null alternatives zod puts in anyOf. */
const variants = (node: JsonSchema): JsonSchema[] => [node, ...(Array.isArray(node.anyOf) ? node.anyOf.filter(isRecord) : [])];

function annotate(node: JsonSchema, path: string): void {
  const description = DESCRIPTIONS[path] ?? POD_IDENTITY_DESCRIPTIONS[path];
  if (description !== undefined) {
    node.description = description;
  } else if (Object.keys(node).length === 0) {
    node.description = IGNORED;
  }
  for (const v of variants(node)) {
    if (isRecord(v.properties)) {
      for (const [key, child] of Object.entries(v.properties)) if (isRecord(child)) annotate(child, path === '' ? key : `${path}.${key}`);
    }
    if (isRecord(v.items)) annotate(v.items, `${path}[]`);
  }
}

/** The JSON Schema document for `draft`; the same input always gives the same output. */
export function clusterConfigJsonSchema(draft: JsonSchemaDraft = 'draft-07'): JsonSchema {
  const schema = z.toJSONSchema(rawClusterConfigSchema, { target: draft === 'draft-07' ? 'draft-7' : 'draft-2020-12', io: 'input' }) as JsonSchema;
  const properties = schema.properties as JsonSchema;
  // The loader checks these two before the shape (apiVersionAndKindProblems); editors should know them too.
  properties.apiVersion = { const: API_VERSION };
  properties.kind = { const: KIND };
  schema.required = ['apiVersion', 'kind'];
  schema.title = 'irsactl ClusterConfig';
  annotate(schema, '');
  return schema;
}
