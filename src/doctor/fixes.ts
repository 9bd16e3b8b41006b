import type { RoleInfo } from '../aws/ports.js';
import { trustPolicyFor } from '../cfn/trust-policy.js';
import { providerArnFor } from '../model/arns.js';
import { STS_AUDIENCE } from '../model/oidc.js';
import type { WellKnownPolicies } from '../model/service-account.js';
import { shellCommand } from '../model/suggested-commands.js';
import type { DoctorTarget, ServiceAccountFacts } from './facts.js';

// The commands and changes the doctor's findings tell the user to make, shell-quoted; the checks decide which.

/** The ServiceAccount in the shape the irsactl commands take. */
export const targetOf = (t: DoctorTarget, facts: ServiceAccountFacts) => ({ cluster: t.cluster, region: t.region, namespace: facts.namespace, name: facts.name });

/** `kubectl annotate --overwrite` sets the annotation whether or not it is there. */
export const annotateCommand = (facts: ServiceAccountFacts, key: string, value: string): string =>
  shellCommand('kubectl', 'annotate', '--overwrite', 'serviceaccount', '-n', facts.namespace, facts.name, `${key}=${value}`);

export const removeAnnotationCommand = (facts: ServiceAccountFacts, key: string): string =>
  shellCommand('kubectl', 'annotate', 'serviceaccount', '-n', facts.namespace, facts.name, `${key}-`);

export const createProviderCommand = (t: DoctorTarget): string =>
  shellCommand('aws', 'iam', 'create-open-id-connect-provider', '--url', t.oidc.issuerUrl, '--client-id-list', STS_AUDIENCE);

export const addClientIdCommand = (providerArn: string): string =>
  shellCommand('aws', 'iam', 'add-client-id-to-open-id-connect-provider', '--open-id-connect-provider-arn', providerArn, '--client-id', STS_AUDIENCE);

export const getRoleCommand = (roleName: string): string => shellCommand('aws', 'iam', 'get-role', '--role-name', roleName);

export const restartPodsFix = (namespace: string, names: string[]): string =>
  `kubectl rollout restart the Deployment/StatefulSet/DaemonSet that owns them, or ${shellCommand('kubectl', 'delete', 'pod', '-n', namespace, ...names)}`;

export const tokenRoleCommand = (namespace: string): string =>
  shellCommand('kubectl', 'create', 'role', 'irsactl-doctor', '-n', namespace, '--verb=create', '--resource=serviceaccounts/token');

const NO_WELL_KNOWN: WellKnownPolicies = {
  imageBuilder: false, autoScaler: false, awsLoadBalancerController: false, externalDNS: false, certManager: false, ebsCSIController: false, efsCSIController: false,
};

/** How to repair a trust policy: `change` by hand, or, for a role a stack owns, the stack's own policy put back. */
export function trustPolicyFix(t: DoctorTarget, facts: ServiceAccountFacts, role: RoleInfo, change: string, account: string): string {
  if (facts.managedStack !== undefined) {
    // Re-running update or apply would not help: the stack's template is unchanged, so CloudFormation leaves IAM as
    // it is. Putting back the trust policy the stack renders does.
    const oidc = { ...t.oidc, accountId: account, providerArn: providerArnFor(t.oidc, account) };
    const policy = trustPolicyFor(
      { name: facts.name, namespace: facts.namespace, labels: {}, annotations: {}, attachPolicyARNs: [], wellKnownPolicies: NO_WELL_KNOWN, roleOnly: false, tags: {} },
      oidc,
    );
    return `the role belongs to stack ${facts.managedStack}, whose template lets ${facts.namespace}/${facts.name} in: put that trust policy back with ${shellCommand('aws', 'iam', 'update-assume-role-policy', '--role-name', role.name, '--policy-document', JSON.stringify(policy))}`;
  }
  const get = shellCommand('aws', 'iam', 'get-role', '--role-name', role.name, '--query', 'Role.AssumeRolePolicyDocument', '--output', 'json');
  const put = shellCommand('aws', 'iam', 'update-assume-role-policy', '--role-name', role.name, '--policy-document', 'file://trust.json');
  return `${change}: ${get} > trust.json, edit trust.json, then ${put}`;
}
