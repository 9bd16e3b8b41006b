import type { CheckResult, TokenStepOutcome } from './facts.js';
import { tokenRoleCommand } from './fixes.js';

// The steps --live shares between IRSA and Pod Identity, before the exchange: whether it ran, and the TokenRequest.

/** The finding of a live run that stopped before its exchange (STS or EKS Auth). */
export function tokenStepResult(id: 'live' | 'pod-identity-live', namespace: string, name: string, step: TokenStepOutcome): CheckResult {
  switch (step.kind) {
    case 'not-run':
      return { id, status: 'skip', message: `not run: ${step.reason}` };
    case 'token-forbidden':
      return {
        id,
        status: 'warn',
        message: `skipped: requesting a token needs RBAC "create" on "serviceaccounts/token" in namespace ${namespace} (${step.message})`,
        fix: `grant it: ${tokenRoleCommand(namespace)}, and bind it to your identity`,
      };
    case 'token-failed':
      return { id, status: 'fail', message: `TokenRequest for ${namespace}/${name} failed: ${step.message}` };
  }
}
