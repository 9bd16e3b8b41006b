import type { OidcInfo } from '../model/oidc.js';
import type { ServiceAccountSpec } from '../model/service-account.js';
import { saId } from '../model/service-account.js';
import { renderTemplate, type CfnTemplate } from '../cfn/template.js';

/** Service accounts rendered between two turns of the event loop: about a millisecond's work. */
const SLICE = 50;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The templates of the service accounts that get a stack, rendered while AWS and Kubernetes answer (they need only
 * the file and the cluster's issuer), by `<ns>/<name>`. In slices, each after a turn of the event loop, so that an
 * answer arriving meanwhile, and the requests it releases, wait for one slice at most. One that cannot be rendered is
 * left out: the plan renders it again and reports its error in its turn.
 */
export async function renderAhead(specs: readonly ServiceAccountSpec[], oidc: OidcInfo): Promise<Map<string, CfnTemplate>> {
  const rendered = new Map<string, CfnTemplate>();
  const withStacks = specs.filter((s) => !s.attachRoleARN);
  for (let i = 0; i < withStacks.length; i += SLICE) {
    await nextTurn();
    for (const spec of withStacks.slice(i, i + SLICE)) {
      try {
        rendered.set(saId(spec), renderTemplate(spec, oidc));
      } catch {
        // rendered again by the plan, which reports it
      }
    }
  }
  return rendered;
}
