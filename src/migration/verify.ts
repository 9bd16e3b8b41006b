import type { PodIdentityAssociationInfo, RoleInfo } from '../aws/ports.js';
import { POD_IDENTITY_AGENT_ADDON, POD_IDENTITY_SERVICE_PRINCIPAL } from '../model/pod-identity.js';
import type { Finding } from './plan.js';
import { trustsPodIdentity } from './trust.js';

// Phase 3, pure: does Pod Identity give the ServiceAccount its role? The association exists with the role, the role
// trusts pods.eks.amazonaws.com for sts:AssumeRole and sts:TagSession, and the agent runs. The doctor's Pod Identity
// checks (src/doctor) are meant to take this function's place once they exist; its facts are theirs.

export interface PodIdentityVerifyFacts {
  id: string;
  expectedRoleArn: string;
  association?: PodIdentityAssociationInfo;
  /** undefined: the role does not exist */
  role?: RoleInfo;
  /** the agent add-on is ACTIVE, or the cluster is in Auto Mode */
  agentReady: boolean;
}

/** The failed checks; empty when Pod Identity works for the ServiceAccount. */
export function verifyPodIdentity(f: PodIdentityVerifyFacts): Finding[] {
  const out: Finding[] = [];
  if (f.association === undefined) out.push({ code: 'association-missing', message: `${f.id} has no pod identity association` });
  else if (f.association.roleArn !== f.expectedRoleArn) {
    out.push({ code: 'association-role', message: `the association of ${f.id} gives role ${f.association.roleArn}, not ${f.expectedRoleArn}` });
  }
  if (f.role === undefined) out.push({ code: 'role-missing', message: `role ${f.expectedRoleArn} does not exist` });
  else if (!trustsPodIdentity(f.role.trustPolicy)) {
    out.push({ code: 'trust', message: `role ${f.role.arn} does not trust ${POD_IDENTITY_SERVICE_PRINCIPAL} for sts:AssumeRole and sts:TagSession` });
  }
  if (!f.agentReady) out.push({ code: 'agent', message: `the ${POD_IDENTITY_AGENT_ADDON} add-on is not ACTIVE` });
  return out;
}
