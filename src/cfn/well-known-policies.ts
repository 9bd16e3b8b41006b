import type { ControllerPolicy, PolicyInputValues, WellKnownPolicies, WellKnownPolicyKey, WellKnownPolicySelection } from '../model/service-account.js';
import { IrsaError } from '../errors.js';
import { POLICY_VERSION, type CfnSub, type PolicyDocument, type PolicyStatement } from './policy.js';
import { EKSCTL_POLICIES, MANAGED_POLICIES, UPSTREAM_POLICIES, isManagedFile, isWellKnownKey, type CataloguedPolicyFile, type UpstreamPolicyFile } from './policy-data.js';

// The well-known policies, in two profiles. "eksctl" (the default): eksctl's statements as its release renders them
// (policies/eksctl/, read from eksctl's Go source), so that templates from either tool diff clean. "upstream": the
// document each controller publishes, pinned to a catalogued controller version (policies/upstream/).

export interface InlinePolicy {
  /** CloudFormation logical ID, also the PolicyName suffix. */
  logicalId: string;
  document: PolicyDocument;
}

export const DEFAULT_SELECTION: WellKnownPolicySelection = { profile: 'eksctl', versions: {} };

/** The inline policy's logical ID per controller in the upstream profile (eksctl's where eksctl has one policy). */
const UPSTREAM_LOGICAL_IDS: Record<string, string> = {
  autoScaler: 'PolicyAutoScaling',
  awsLoadBalancerController: 'PolicyAWSLoadBalancerController',
  externalDNS: 'PolicyExternalDNS',
  certManager: 'PolicyCertManager',
  ebsCSIController: 'PolicyEBSCSIController',
  efsCSIController: 'PolicyEFSCSIController',
};

const managedArn = (name: string): CfnSub => ({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::aws:policy/${name}` });

const inline = (logicalId: string, statements: readonly PolicyStatement[]): InlinePolicy => ({
  logicalId,
  // A copy: callers may edit the rendered template without touching the data.
  document: { Version: POLICY_VERSION, Statement: structuredClone(statements) as PolicyStatement[] },
});

/** The controllers catalogued in the upstream profile, with their versions, oldest first. */
export function upstreamVersions(controller: string): string[] {
  return (UPSTREAM_POLICIES.get(controller) ?? []).map((f) => f.version);
}

/** The upstream document for a controller at a version (the newest catalogued when none is named); undefined if unknown. */
export function upstreamPolicy(controller: string, version?: string): UpstreamPolicyFile | undefined {
  return atVersion(UPSTREAM_POLICIES.get(controller) ?? [], version);
}

/** The file of `version` among catalogued files (oldest first), or the newest when none is named. */
function atVersion<F extends { version: string }>(files: readonly F[], version: string | undefined): F | undefined {
  return version === undefined ? files[files.length - 1] : files.find((f) => f.version === version);
}

/** Whether every pinned version is a catalogued one, and every input one its document takes, under the upstream profile (templates render only then). */
export function selectionRenders(sel: WellKnownPolicySelection | undefined): boolean {
  if (sel === undefined) return true;
  const versionsOk = Object.entries(sel.versions).every(([k, v]) => sel.profile === 'upstream' && upstreamVersions(k).includes(v));
  return versionsOk && Object.keys(sel.inputs ?? {}).every((k) => sel.profile === 'upstream' && wellKnownInputProblems(k as WellKnownPolicyKey, sel).length === 0);
}

/** What is wrong with one key's wellKnownPolicyInputs (pure), as [field path, message, fix]; a bad version is reported elsewhere. */
export function wellKnownInputProblems(key: WellKnownPolicyKey, sel: WellKnownPolicySelection): Problem[] {
  const file = upstreamPolicy(key, sel.versions[key]);
  if (!file) return upstreamVersions(key).length === 0 ? [[[], `${key} has no upstream document, so no inputs`, `remove ${key} from wellKnownPolicyInputs`]] : [];
  return inputProblems(key, file, sel.inputs?.[key] ?? {});
}

type Problem = [string[], string, string];

/** Missing required inputs, unknown ones, and a list given where one value is taken. */
function inputProblems(name: string, file: UpstreamPolicyFile, given: PolicyInputValues): Problem[] {
  const inputs = file.inputs ?? {};
  const problems: Problem[] = [];
  for (const [k, input] of Object.entries(inputs)) {
    const v = given[k];
    if (v === undefined || (Array.isArray(v) && v.length === 0)) {
      if (input.required) problems.push([[k], `must be set: ${input.description}`, `add inputs: {${k}: ${input.list ? '[...]' : '...'}}`]);
    } else if (Array.isArray(v) && !input.list) {
      problems.push([[k], 'takes one value, not a list', `write ${k}: <value>`]);
    }
  }
  for (const k of Object.keys(given)) {
    if (!(k in inputs)) {
      const names = Object.keys(inputs);
      problems.push([[k], `${name} ${file.version} has no input "${k}"`, names.length > 0 ? `its inputs: ${names.join(', ')}` : 'it takes no inputs; remove inputs']);
    }
  }
  return problems;
}

/** The profile a key renders with: upstream needs a catalogued document; imageBuilder has none, so it stays eksctl's. */
const usesUpstream = (key: WellKnownPolicyKey, sel: WellKnownPolicySelection): boolean =>
  sel.profile === 'upstream' && UPSTREAM_POLICIES.has(key);

function upstreamFor(key: WellKnownPolicyKey, sel: WellKnownPolicySelection): UpstreamPolicyFile {
  const version = sel.versions[key];
  const file = upstreamPolicy(key, version);
  // Config rules reject unknown versions first; this guards other callers.
  if (!file) throw new IrsaError('CONFIG', `no ${key} policy for version ${version}; known: ${upstreamVersions(key).join(', ')}`);
  return file;
}

/** CloudFormation's pseudo parameters as a source written for CloudFormation uses them (Karpenter's template). */
const PSEUDO_PARAMETER = /\$\{AWS::(?:Partition|Region|AccountId|URLSuffix)\}/;
const OTHER_INTERPOLATION = /\$\{(?!AWS::(?:Partition|Region|AccountId|URLSuffix)\})/g;

/**
 * An upstream document in template form: every `arn:aws:` ARN becomes an Fn::Sub of `${AWS::Partition}`, so one
 * template serves every partition, and a string that uses a pseudo parameter (`${AWS::Region}` …) an Fn::Sub of
 * itself (any other `${` in such a string is escaped as Fn::Sub requires).
 */
export function partitionNeutral(value: unknown): unknown {
  if (typeof value === 'string') {
    if (value.startsWith('arn:aws:')) return { 'Fn::Sub': `arn:\${AWS::Partition}:${value.slice(8).replaceAll('${', '${!')}` };
    return PSEUDO_PARAMETER.test(value) ? { 'Fn::Sub': value.replace(OTHER_INTERPOLATION, '${!') } : value;
  }
  if (Array.isArray(value)) return value.map(partitionNeutral);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, partitionNeutral(v)]));
  }
  return value;
}

const enabledKeys = (wk: WellKnownPolicies): WellKnownPolicyKey[] =>
  (Object.keys(EKSCTL_POLICIES.wellKnownPolicies) as WellKnownPolicyKey[]).filter((k) => wk[k]);

/** Well-known managed policy names (after arn:<partition>:iam::aws:policy/) in eksctl's order (imageBuilder, then ebsCSIController). */
function wellKnownManagedPolicyNames(wk: WellKnownPolicies, sel: WellKnownPolicySelection): string[] {
  return enabledKeys(wk)
    .filter((k) => !usesUpstream(k, sel))
    .flatMap((k) => EKSCTL_POLICIES.wellKnownPolicies[k]?.managed ?? []);
}

/** Well-known managed policy ARNs in eksctl's order (imageBuilder, then ebsCSIController). */
export function wellKnownManagedPolicyArns(wk: WellKnownPolicies, sel: WellKnownPolicySelection = DEFAULT_SELECTION): CfnSub[] {
  return wellKnownManagedPolicyNames(wk, sel).map(managedArn);
}

/** What a role's well-known and controller policies attach by name (iamserviceaccounts and pod identity roles alike). */
export interface WellKnownParts {
  wellKnownPolicies: WellKnownPolicies;
  wellKnownPolicySelection?: WellKnownPolicySelection;
  controllerPolicies?: readonly ControllerPolicy[];
}

/** Every AWS-managed policy a role's well-known and controller policies attach, as its ARN in `partition`. */
export function wellKnownManagedPolicyArnsIn(parts: WellKnownParts, partition: string): string[] {
  const names = [...wellKnownManagedPolicyNames(parts.wellKnownPolicies, parts.wellKnownPolicySelection ?? DEFAULT_SELECTION), ...controllerManagedPolicyNames(parts.controllerPolicies)];
  return names.map((n) => `arn:${partition}:iam::aws:policy/${n}`);
}

/** Well-known inline policies in eksctl's resource order. */
export function wellKnownInlinePolicies(wk: WellKnownPolicies, sel: WellKnownPolicySelection = DEFAULT_SELECTION): InlinePolicy[] {
  return enabledKeys(wk).flatMap((k) => {
    if (usesUpstream(k, sel)) {
      const file = upstreamFor(k, sel);
      return [inline(UPSTREAM_LOGICAL_IDS[k] ?? `Policy${k}`, partitionNeutral(withInputs(file, sel.inputs?.[k] ?? {})) as PolicyStatement[])];
    }
    return (EKSCTL_POLICIES.wellKnownPolicies[k]?.inline ?? []).map((p) => inline(p.logicalId, p.statements as PolicyStatement[]));
  });
}

// ---- controllers eksctl has no key for (ServiceAccountSpec.controllerPolicies) --------------------------------------

/** The catalogued controllers that are not wellKnownPolicies keys, e.g. velero. */
export const extraControllers = (): string[] => [...UPSTREAM_POLICIES.keys(), ...MANAGED_POLICIES.keys()].filter((c) => !isWellKnownKey(c));

const cataloguedFiles = (name: string): readonly CataloguedPolicyFile[] => UPSTREAM_POLICIES.get(name) ?? MANAGED_POLICIES.get(name) ?? [];

/** A controllerPolicies entry's catalogued file (a document or managed policy names); the newest when no version is named. */
export function controllerPolicyFile(name: string, version?: string): CataloguedPolicyFile | undefined {
  return atVersion(cataloguedFiles(name), version);
}

/** What is wrong with one controllerPolicies entry (pure; the config rules report these), as [field path, message, fix]. */
export function controllerPolicyProblems(cp: ControllerPolicy): Problem[] {
  if (isWellKnownKey(cp.name)) return [[[], `${cp.name} is a wellKnownPolicies key`, `use wellKnownPolicies: {${cp.name}: true} with wellKnownPolicyProfile: upstream`]];
  const known = cataloguedFiles(cp.name).map((f) => f.version);
  if (known.length === 0) return [[[], `no catalogued controller "${cp.name}"`, `use one of: ${extraControllers().join(', ')}`]];
  const file = controllerPolicyFile(cp.name, cp.version);
  if (!file) return [[['version'], `"${cp.version}" is not a catalogued ${cp.name} version; known: ${known.join(', ')}`, 'use a known version, or leave it out for the newest']];
  if (isManagedFile(file)) {
    return Object.keys(cp.inputs).map((k): Problem => [['inputs', k], `${cp.name} ${file.version} has no input "${k}"`, 'it takes no inputs; remove inputs']);
  }
  return inputProblems(cp.name, file, cp.inputs).map(([path, message, fix]): Problem => [['inputs', ...path], message, fix]);
}

/**
 * A document's statements with the given inputs: first each given input's `adds` (its actions leave their statements,
 * a statement left with none is dropped, its statement is added), then every placeholder replaced.
 */
export function withInputs(file: UpstreamPolicyFile, given: PolicyInputValues): unknown {
  let statements: unknown[] = structuredClone(file.document.Statement);
  for (const [name, input] of Object.entries(file.inputs ?? {})) {
    if (given[name] === undefined || !input.adds) continue;
    const removed = new Set(input.adds.removeActions ?? []);
    statements = statements.flatMap((st) => {
      const s = st as { Action?: string | string[] };
      if (removed.size === 0 || s.Action === undefined) return [st];
      const left = [s.Action].flat().filter((a) => !removed.has(a));
      if (left.length === 0) return [];
      return [{ ...s, Action: Array.isArray(s.Action) ? left : left[0] }];
    });
    statements.push(structuredClone(input.adds.statement));
  }
  return applyInputs(statements, file, given);
}

/**
 * The document with each given input in place of its placeholder, in values and keys (a condition key can hold one):
 * an array element that contains a list input's placeholder becomes one element per value.
 */
export function applyInputs(value: unknown, file: UpstreamPolicyFile, given: ControllerPolicy['inputs']): unknown {
  const entries = Object.entries(file.inputs ?? {}).flatMap(([name, input]) => {
    const v = given[name];
    return v === undefined ? [] : [{ input, values: [v].flat() }];
  });
  const replace = (s: string): string[] => {
    for (const { input, values } of entries) {
      if (input.list && s.includes(input.placeholder)) return values.map((v) => s.replaceAll(input.placeholder, v));
      if (!input.list && s.includes(input.placeholder)) return [s.replaceAll(input.placeholder, values[0] ?? '')];
    }
    return [s];
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const out = replace(v);
      return out.length === 1 ? out[0] : out;
    }
    if (Array.isArray(v)) return v.flatMap((x) => (typeof x === 'string' ? replace(x) : [walk(x)]));
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [replace(k).join(','), walk(x)]));
    return v;
  };
  return walk(value);
}

const controllerLogicalId = (name: string): string => `Policy${name.charAt(0).toUpperCase()}${name.slice(1)}`;

function fileFor(cp: ControllerPolicy): CataloguedPolicyFile {
  const file = controllerPolicyFile(cp.name, cp.version);
  // Config rules reject these first; this guards other callers.
  if (!file || isWellKnownKey(cp.name)) throw new IrsaError('CONFIG', `no catalogued controller policy ${cp.name} ${cp.version ?? ''}`.trim());
  return file;
}

/** One inline policy per controllerPolicies entry with a document, its inputs applied, partition-neutral. */
export function controllerInlinePolicies(cps: readonly ControllerPolicy[] | undefined): InlinePolicy[] {
  return (cps ?? []).flatMap((cp) => {
    const file = fileFor(cp);
    if (isManagedFile(file)) return [];
    return [inline(controllerLogicalId(cp.name), partitionNeutral(withInputs(file, cp.inputs)) as PolicyStatement[])];
  });
}

function controllerManagedPolicyNames(cps: readonly ControllerPolicy[] | undefined): string[] {
  return (cps ?? []).flatMap((cp) => {
    const file = fileFor(cp);
    return isManagedFile(file) ? file.managedPolicies : [];
  });
}

/** The AWS-managed policy ARNs of the controllerPolicies entries that are managed policies, in entry order. */
export function controllerManagedPolicyArns(cps: readonly ControllerPolicy[] | undefined): CfnSub[] {
  return controllerManagedPolicyNames(cps).map(managedArn);
}
