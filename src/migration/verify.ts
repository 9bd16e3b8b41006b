import type { AssociationLookup, CheckResult } from '../doctor/facts.js';

// Phase 3, pure: the doctor's Pod Identity checks (checkPodIdentityChain) judged for the migration. Their fails stop
// the ServiceAccount before any cut-over, with the doctor's fix; two things weigh differently here:
// - the association must give the role the migration planned (the doctor cannot know which one was meant);
// - pods started before the association still use IRSA. The dual trust keeps them working, so without a cut-over that
//   is a warning; a cut-over would take their credentials away, so then it stops until they are restarted.

export interface VerificationInput {
  id: string;
  expectedRoleArn: string;
  association: AssociationLookup;
  /** checkPodIdentityChain's results for the ServiceAccount */
  checks: CheckResult[];
  /** phase 4 follows */
  cutOver: boolean;
}

export interface Verification {
  /** what stops the ServiceAccount before phase 4, each with its fix */
  failures: { message: string; fix?: string }[];
  /** narrated; the migration goes on */
  warnings: { message: string; fix?: string }[];
  /** the checks that passed, for the narration (--live's assumed identity among them) */
  passed: Pick<CheckResult, 'id' | 'message'>[];
}

const withFix = (c: CheckResult) => ({ message: c.message, ...(c.fix !== undefined ? { fix: c.fix } : {}) });

export function judgeVerification(v: VerificationInput): Verification {
  const out: Verification = { failures: [], warnings: [], passed: [] };
  const a = v.association;
  if (a.kind === 'none') out.failures.push({ message: `${v.id} has no pod identity association`, fix: 'run the command again: phase 2 makes it' });
  else if (a.kind === 'unknown') out.failures.push({ message: `the association of ${v.id} could not be read: ${a.message}`, fix: 'allow eks:ListPodIdentityAssociations and eks:DescribePodIdentityAssociation, and run the command again' });
  else if (a.association.roleArn !== v.expectedRoleArn) {
    out.failures.push({ message: `the association of ${v.id} gives role ${a.association.roleArn}, not ${v.expectedRoleArn}`, fix: 'delete that association or exclude the ServiceAccount, and run the command again' });
  }
  for (const c of v.checks) {
    if (c.status === 'pass') out.passed.push({ id: c.id, message: c.message });
    else if (c.status === 'warn') out.warnings.push(withFix(c));
    else if (c.status === 'fail') (c.id === 'pod-identity-pods' && !v.cutOver ? out.warnings : out.failures).push(withFix(c));
  }
  return out;
}
