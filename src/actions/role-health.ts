import pLimit from 'p-limit';
import type { IamPort, OidcProviderInfo, RoleInfo, StackRecord } from '../aws/ports.js';
import type { OidcInfo } from '../model/oidc.js';
import type { ServiceAccountObject } from '../k8s/ports.js';
import { ROLE_ARN_ANNOTATION } from '../model/kubernetes.js';
import { ROLE_OUTPUT } from '../model/naming.js';
import { checkOidcProvider, checkTrustPolicy } from '../doctor/checks.js';
import type { DoctorTarget, ServiceAccountFacts } from '../doctor/facts.js';
import { parseRoleArn } from '../model/arns.js';

// What `get` adds to a stack's health from IAM, with the doctor's own checks: the cluster's OIDC provider is missing,
// the stack's role is gone (deleted outside CloudFormation), or its trust policy does not let the ServiceAccount in.
// One GetOpenIDConnectProvider for the run and one GetRole per stack; roles in another account are not read.

export type RoleProblem = 'no OIDC provider' | 'missing role' | 'trust policy does not admit it';

export async function roleProblems(
  iam: IamPort,
  target: { cluster: string; region: string; oidc: OidcInfo; accountId: string },
  rows: [string, StackRecord][],
  serviceAccounts: Map<string, ServiceAccountObject | undefined>,
): Promise<Map<string, RoleProblem>> {
  const t: DoctorTarget = { cluster: target.cluster, region: target.region, oidc: target.oidc, callerAccount: target.accountId };
  const provider: OidcProviderInfo | undefined = await iam.getOidcProvider(target.oidc.providerArn);
  const limit = pLimit(8);
  const problems = new Map<string, RoleProblem>();
  await Promise.all(
    rows.map(([id, stack]) =>
      limit(async () => {
        const roleArn = stack.outputs[ROLE_OUTPUT];
        const parsed = roleArn === undefined ? undefined : parseRoleArn(roleArn);
        if (roleArn === undefined || parsed === undefined || parsed.accountId !== target.accountId) return;
        const role: RoleInfo | undefined = await iam.getRole(parsed.name);
        const [namespace, name] = id.split('/') as [string, string];
        const live = serviceAccounts.get(id);
        // The checks read the role from the annotation: here it is the stack's role, whatever the object says now.
        const sa: ServiceAccountObject = { namespace, name, labels: {}, ...live, annotations: { ...live?.annotations, [ROLE_ARN_ANNOTATION]: roleArn } };
        const facts: ServiceAccountFacts = {
          namespace,
          name,
          serviceAccount: sa,
          provider: provider ? { kind: 'found', provider } : { kind: 'missing', otherArns: [] },
          role: role ? { kind: 'found', role } : { kind: 'missing' },
          pods: { kind: 'listed', pods: [] },
          live: { kind: 'not-requested' },
        };
        if (checkOidcProvider(t, facts).status === 'fail') problems.set(id, 'no OIDC provider');
        else if (!role) problems.set(id, 'missing role');
        else if (checkTrustPolicy(t, facts).status === 'fail') problems.set(id, 'trust policy does not admit it');
      }),
    ),
  );
  return problems;
}
