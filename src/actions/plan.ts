import type { ClusterModel, ServiceAccountSpec } from '../model/service-account.js';
import type { OidcInfo } from '../model/oidc.js';
import { saId } from '../model/service-account.js';
import type { StackRecord } from '../aws/ports.js';
import type { ServiceAccountObject } from '../k8s/ports.js';
import { capabilitiesFor, ROLE_OUTPUT, stackNameFor, stackTagsFor } from '../model/naming.js';
import { ROLE_ARN_ANNOTATION } from '../model/kubernetes.js';
import { renderTemplate, type CfnTemplate } from '../cfn/template.js';
import { keepMigrationTrust } from '../migration/trust.js';
import { liveRoleName } from '../cfn/diff.js';
import { desiredServiceAccount, mergeServiceAccount } from '../k8s/service-account.js';
import { deleteCommand } from '../model/suggested-commands.js';
import type { LiveRole } from '../cfn/role-drift.js';
import { planRoleStack, type RoleDrift, type StackStep } from './stack-step.js';

// The plan is a value: computed purely from the desired model and what was
// observed, printed without --approve, executed with it.

export type { StackStep } from './stack-step.js';

export type ServiceAccountStep =
  | { action: 'create' }
  /** merge the role annotation (and the config's labels/annotations) into an existing object */
  | { action: 'annotate'; previousRoleArn?: string }
  | { action: 'unchanged' }
  | { action: 'skip'; reason: 'role-only' | 'exists' };

export interface ServiceAccountPlan {
  id: string;
  spec: ServiceAccountSpec;
  /** things the user asked for that irsactl will not do, and why */
  warnings: string[];
  /** the ServiceAccount as the plan saw it (undefined: it did not exist, or was not looked at) */
  observed?: ServiceAccountObject;
  stackName: string;
  stackTags: Record<string, string>;
  capabilities: string[];
  /** the template the file describes, as the plan shows it (undefined with attachRoleARN: no stack) */
  template?: CfnTemplate;
  stack: StackStep;
  serviceAccount: ServiceAccountStep;
  /** known now when the role ARN is given or the stack exists with its output */
  roleArn?: string;
  /** the role differs from the file outside CloudFormation: repaired through IAM after the stack step (repair-drift.ts) */
  drift?: RoleDrift;
}

export interface Plan {
  cluster: string;
  region: string;
  /** `needed: false`: an apply of pod identity associations alone, which neither looks the provider up nor makes it */
  oidcProvider: { arn: string; exists: boolean; action: 'none' | 'create'; needed: boolean };
  items: ServiceAccountPlan[];
}

export interface PlanInput {
  mode: 'create' | 'apply' | 'update';
  model: ClusterModel;
  selected: ServiceAccountSpec[];
  region: string;
  oidc: OidcInfo;
  providerExists: boolean;
  /** whether a missing provider is to be made (false: an apply of pod identity associations alone, without withOIDC) */
  associateProvider?: boolean;
  /** by `<ns>/<name>`: the IRSA stacks of this cluster */
  stacks: Map<string, StackRecord>;
  /** by `<ns>/<name>`: a stack that has this service account's stack name but is someone else's (or no one's) */
  squatters?: Map<string, StackRecord>;
  /** live templates (update/apply only), by `<ns>/<name>` like stacks */
  liveTemplates?: Map<string, unknown>;
  /** the roles as IAM has them (update/apply only), by `<ns>/<name>`; 'missing': deleted outside CloudFormation */
  liveRoles?: Map<string, LiveRole | 'missing'>;
  /** by `<ns>/<name>`: undefined when the ServiceAccount does not exist */
  serviceAccounts: Map<string, ServiceAccountObject | undefined>;
  overrideExisting: boolean;
  /** apply: the apply set every stack it creates or updates is tagged with */
  applySet?: string;
  /** templates rendered ahead (render-ahead.ts), by `<ns>/<name>`, for the spec as requested; any missing is rendered here */
  rendered?: ReadonlyMap<string, CfnTemplate>;
}

export function planServiceAccounts(input: PlanInput): Plan {
  const items = input.selected.map((spec) => planOne(input, spec));
  return {
    cluster: input.model.name,
    region: input.region,
    oidcProvider: {
      arn: input.oidc.providerArn,
      exists: input.providerExists,
      action: input.providerExists || input.associateProvider === false ? 'none' : 'create',
      needed: input.associateProvider !== false,
    },
    items,
  };
}

function planOne(input: PlanInput, requested: ServiceAccountSpec): ServiceAccountPlan {
  const id = saId(requested);
  // eksctl's rule on update: the role name the live stack was created with wins, so the role (and its ARN)
  // is never replaced because the file or the flags leave the name out.
  const liveName = liveRoleName(input.liveTemplates?.get(id));
  const spec = liveName && !requested.attachRoleARN ? { ...requested, roleName: liveName } : requested;
  const warnings =
    liveName && requested.roleName && requested.roleName !== liveName
      ? [`the role keeps its name ${liveName}: renaming it to ${requested.roleName} would replace the role and change its ARN (delete and create the service account to do that)`]
      : [];
  const live = input.serviceAccounts.get(id);
  const base = {
    id,
    spec,
    warnings,
    // rides along so that the write's first attempt needs no second GET (a stale object gets a 409)
    observed: live,
    stackName: stackNameFor(input.model.name, spec),
    stackTags: stackTagsFor(input.model, spec, input.applySet),
    capabilities: capabilitiesFor(spec),
  };

  if (spec.attachRoleARN) {
    const roleArn = spec.attachRoleARN;
    const stale = input.stacks.get(id);
    if (stale) {
      // The stack is not deleted behind the user's back: say what becomes of it.
      warnings.push(
        `the ServiceAccount will use ${roleArn} instead of the role of stack ${stale.stackName} (${stale.outputs[ROLE_OUTPUT] ?? 'no role output'}), which stays as it is: ` +
          `once no pod uses that role, delete it with \`${deleteCommand({ cluster: input.model.name, region: input.region, namespace: spec.namespace, name: spec.name })}\` (the ServiceAccount, then annotated with the other role, is kept)`,
      );
    }
    return { ...base, stack: { action: 'none', reason: 'attach-role-arn' }, roleArn, serviceAccount: saStep(input, spec, live, roleArn) };
  }

  // a role the Pod Identity migration gave dual trust keeps it (utils migrate-to-pod-identity --rollback removes it)
  // a live role name changes the spec, and so the template: rendered again then
  const ahead = spec === requested ? input.rendered?.get(id) : undefined;
  const template = keepMigrationTrust(ahead ?? renderTemplate(spec, input.oidc), input.liveTemplates?.get(id));
  const existing = input.stacks.get(id);
  const squatter = existing ? undefined : input.squatters?.get(id);
  if (!existing && !squatter) {
    // eksctl's rule: an existing ServiceAccount without --override-existing-serviceaccounts excludes the whole
    // service account (no role is made for an object we may not annotate). apply declares intent, so it annotates.
    const sa = saStep(input, spec, live, undefined);
    const skipped = sa.action === 'skip' && sa.reason === 'exists';
    return { ...base, template, stack: skipped ? { action: 'skip', reason: 'serviceaccount-exists' } : { action: 'create', template }, serviceAccount: sa };
  }
  const role = planRoleStack({
    mode: input.mode,
    kind: 'iamserviceaccount',
    id,
    cluster: input.model.name,
    region: input.region,
    template,
    stackTags: base.stackTags,
    ...(existing ? { existing } : {}),
    ...(squatter ? { squatter } : {}),
    liveTemplate: input.liveTemplates?.get(id),
    liveRole: input.liveRoles?.get(id),
    rebinds: 'the ServiceAccount is re-annotated with the new ARN',
  });
  warnings.push(...role.warnings);
  return {
    ...base,
    template,
    stack: role.stack,
    roleArn: role.roleArn,
    serviceAccount: saStep(input, spec, live, role.roleArn),
    ...(role.drift ? { drift: role.drift } : {}),
  };
}

function saStep(input: PlanInput, spec: ServiceAccountSpec, live: ServiceAccountObject | undefined, roleArn: string | undefined): ServiceAccountStep {
  if (spec.roleOnly) return { action: 'skip', reason: 'role-only' };
  if (!live) return { action: 'create' };
  if (roleArn !== undefined && !mergeServiceAccount(live, desiredServiceAccount(spec, roleArn), { addManagedBy: false }).changed) {
    return { action: 'unchanged' };
  }
  // create touches an existing object only with --override-existing-serviceaccounts (eksctl's rule);
  // apply and update declare intent, so they repair a missing or stale annotation.
  if (input.mode === 'create' && !input.overrideExisting) return { action: 'skip', reason: 'exists' };
  return { action: 'annotate', previousRoleArn: live.annotations[ROLE_ARN_ANNOTATION] };
}
