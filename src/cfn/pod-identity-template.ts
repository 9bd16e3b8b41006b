import type { PolicyDocument } from './policy.js';
import { POLICY_VERSION } from './policy.js';
import { IrsaError } from '../errors.js';
import { podIdentityId, POD_IDENTITY_SERVICE_PRINCIPAL, POD_IDENTITY_TRUST_ACTIONS, type PodIdentityAssociationSpec } from '../model/pod-identity.js';
import { roleStackTemplate, type CfnTemplate } from './template.js';

// The role stack of a pod identity association, as eksctl renders it (NewIAMRoleResourceSetForPodIdentity with
// MakeAssumeRolePolicyDocumentForPodIdentity), so that either tool can manage the other's stacks.

/** eksctl's exact text (it names no service account, unlike an iamserviceaccount stack's). */
export const POD_IDENTITY_DESCRIPTION = 'IAM role for pod identity association [created and managed by eksctl]';

/** Trusts EKS Pod Identity for AssumeRole and TagSession, and nothing else. */
export function podIdentityTrustPolicy(): PolicyDocument {
  return {
    Version: POLICY_VERSION,
    Statement: [{ Action: [...POD_IDENTITY_TRUST_ACTIONS], Effect: 'Allow', Principal: { Service: POD_IDENTITY_SERVICE_PRINCIPAL } }],
  };
}

export function renderPodIdentityRoleTemplate(p: PodIdentityAssociationSpec): CfnTemplate {
  if (p.roleARN !== undefined) {
    throw new IrsaError('INTERNAL', `pod identity association ${podIdentityId(p)} uses roleARN and has no role stack`);
  }
  return roleStackTemplate({
    description: POD_IDENTITY_DESCRIPTION,
    trustPolicy: podIdentityTrustPolicy(),
    roleName: p.roleName,
    managedPolicyArns: p.permissionPolicyARNs,
    wellKnownPolicies: p.wellKnownPolicies,
    ...(p.wellKnownPolicySelection ? { wellKnownPolicySelection: p.wellKnownPolicySelection } : {}),
    permissionsBoundary: p.permissionsBoundaryARN,
    inlinePolicy: p.permissionPolicy,
    inlinePolicyName: p.permissionPolicyName,
  });
}
