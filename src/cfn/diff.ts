import yaml from 'js-yaml';
import { IrsaError } from '../errors.js';
import type { CfnTemplate } from './template.js';
import { ROLE_LOGICAL_ID } from './template.js';
import { isRecord } from '../json.js';

// A semantic diff of a live stack template (GetTemplate's string, JSON or YAML) against
// the desired one: key order, Fn::GetAtt's two forms, IAM's "one value or a list" and
// list order inside policies are ignored; everything irsactl renders is compared.

export interface TemplateDiff {
  changed: boolean;
  trustPolicy?: { before: unknown; after: unknown };
  managedPolicies: { added: string[]; removed: string[] };
  inlinePolicies: { added: string[]; removed: string[]; changed: { name: string; before: unknown; after: unknown }[] };
  permissionsBoundary?: { before?: string; after?: string };
  roleName?: { before?: string; after?: string };
  /** Template paths that differ outside the fields above (Description, Outputs, other role properties, …). */
  other?: string[];
}

export interface TagDiff {
  added: Record<string, string>;
  removed: Record<string, string>;
  changed: Record<string, { before: string; after: string }>;
}

// ---------- parsing ----------

/** Intrinsic functions whose YAML short form is `!Name` → `{"Fn::Name": …}`. */
const FN_TAGS = [
  'And', 'Base64', 'Cidr', 'Equals', 'FindInMap', 'GetAtt', 'GetAZs', 'If', 'ImportValue',
  'Join', 'Not', 'Or', 'Select', 'Split', 'Sub', 'Transform', 'Length', 'ToJsonString',
];
const KINDS = ['scalar', 'sequence', 'mapping'] as const;

const shortTag = (tag: string, key: string): yaml.Type[] =>
  KINDS.map(
    (kind) =>
      new yaml.Type(`!${tag}`, {
        kind,
        construct: (data: unknown) => ({ [key]: data ?? (kind === 'scalar' ? '' : kind === 'sequence' ? [] : {}) }),
      }),
  );

/** YAML with CloudFormation's short-form intrinsics (!Ref, !Sub, !GetAtt, …). */
export const CFN_YAML_SCHEMA = yaml.DEFAULT_SCHEMA.extend([
  ...shortTag('Ref', 'Ref'),
  ...shortTag('Condition', 'Condition'),
  ...FN_TAGS.flatMap((name) => shortTag(name, `Fn::${name}`)),
]);

export function parseLiveTemplate(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    // Not JSON: CloudFormation also accepts YAML.
  }
  try {
    return yaml.load(body, { schema: CFN_YAML_SCHEMA });
  } catch (err) {
    throw new IrsaError('AWS', `cannot parse the live stack template: ${(err as Error).message}`, { cause: err });
  }
}

// ---------- canonicalisation ----------

const get = (v: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((acc, key) => (isRecord(acc) ? acc[key] : undefined), v);

/** `{"Fn::GetAtt": "A.B"}` → `{"Fn::GetAtt": ["A", "B"]}`, everywhere. */
function normaliseIntrinsics(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normaliseIntrinsics);
  if (!isRecord(v)) return v;
  const getAtt = v['Fn::GetAtt'];
  if (Object.keys(v).length === 1 && typeof getAtt === 'string' && getAtt.includes('.')) {
    const dot = getAtt.indexOf('.');
    return { 'Fn::GetAtt': [getAtt.slice(0, dot), getAtt.slice(dot + 1)] };
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normaliseIntrinsics(x)]));
}

/** JSON with sorted keys: equal strings ⇔ equal values. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isRecord(v)) {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
/** IAM treats `x` and `[x]` alike, and these lists as sets. */
const asSet = (v: unknown): unknown[] => {
  const byJson = new Map(asList(v).map((x) => [canonicalJson(x), x] as const));
  return [...byJson.keys()].sort().map((k) => byJson.get(k));
};
const mapValues = (v: unknown, f: (x: unknown) => unknown): unknown =>
  isRecord(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, f(x)])) : v;

function canonicalStatement(s: unknown): unknown {
  if (!isRecord(s)) return s;
  const out: Record<string, unknown> = { ...s };
  for (const key of ['Action', 'NotAction', 'Resource', 'NotResource']) {
    if (key in out) out[key] = asSet(out[key]);
  }
  for (const key of ['Principal', 'NotPrincipal']) {
    if (isRecord(out[key])) out[key] = mapValues(out[key], asSet);
  }
  if (isRecord(out.Condition)) out.Condition = mapValues(out.Condition, (op) => mapValues(op, asSet));
  return out;
}

function canonicalPolicy(doc: unknown): string {
  if (!isRecord(doc)) return canonicalJson(doc);
  const statements = doc.Statement === undefined ? undefined : asList(doc.Statement).map(canonicalStatement);
  return canonicalJson({ ...doc, Statement: statements });
}

// ---------- the diff ----------

interface RoleView {
  present: boolean;
  trust: unknown;
  managed: unknown[];
  boundary?: unknown;
  roleName?: unknown;
  otherProps: Record<string, unknown>;
}

const ROLE_COMPARED = new Set(['AssumeRolePolicyDocument', 'ManagedPolicyArns', 'PermissionsBoundary', 'RoleName']);

function roleView(template: unknown): RoleView {
  const role = get(template, 'Resources', ROLE_LOGICAL_ID);
  const props = get(role, 'Properties');
  const p = isRecord(props) ? props : {};
  const otherProps = Object.fromEntries(Object.entries(p).filter(([k]) => !ROLE_COMPARED.has(k)));
  return {
    present: isRecord(role),
    trust: p.AssumeRolePolicyDocument,
    managed: p.ManagedPolicyArns === undefined ? [] : asList(p.ManagedPolicyArns),
    boundary: p.PermissionsBoundary,
    roleName: p.RoleName === '' ? undefined : p.RoleName,
    otherProps,
  };
}

const inlinePolicies = (template: unknown): Map<string, Record<string, unknown>> => {
  const resources = get(template, 'Resources');
  const found = new Map<string, Record<string, unknown>>();
  if (!isRecord(resources)) return found;
  for (const [id, r] of Object.entries(resources)) {
    if (isRecord(r) && r.Type === 'AWS::IAM::Policy') found.set(id, r);
  }
  return found;
};

/** A managed-policy ARN or boundary as a person reads it: the string, or Fn::Sub's pattern. */
function display(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  const sub = get(v, 'Fn::Sub');
  if (typeof sub === 'string') return sub;
  return canonicalJson(v);
}

const sameJson = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);

export function diffTemplates(live: unknown, desired: CfnTemplate): TemplateDiff {
  const liveT = normaliseIntrinsics(live);
  const wantT = normaliseIntrinsics(desired);
  const before = roleView(liveT);
  const after = roleView(wantT);
  const diff: TemplateDiff = {
    changed: false,
    managedPolicies: { added: [], removed: [] },
    inlinePolicies: { added: [], removed: [], changed: [] },
  };

  if (canonicalPolicy(before.trust) !== canonicalPolicy(after.trust)) {
    diff.trustPolicy = { before: before.trust, after: after.trust };
  }

  const liveManaged = new Map(before.managed.map((m) => [canonicalJson(m), m] as const));
  const wantManaged = new Map(after.managed.map((m) => [canonicalJson(m), m] as const));
  for (const [key, m] of wantManaged) if (!liveManaged.has(key)) diff.managedPolicies.added.push(display(m) ?? key);
  for (const [key, m] of liveManaged) if (!wantManaged.has(key)) diff.managedPolicies.removed.push(display(m) ?? key);

  const other: string[] = [];
  const livePolicies = inlinePolicies(liveT);
  const wantPolicies = inlinePolicies(wantT);
  for (const [id, want] of wantPolicies) {
    const have = livePolicies.get(id);
    if (!have) {
      diff.inlinePolicies.added.push(id);
      continue;
    }
    const [b, a] = [get(have, 'Properties', 'PolicyDocument'), get(want, 'Properties', 'PolicyDocument')];
    if (canonicalPolicy(b) !== canonicalPolicy(a)) diff.inlinePolicies.changed.push({ name: id, before: b, after: a });
    for (const prop of ['PolicyName', 'Roles']) {
      if (!sameJson(get(have, 'Properties', prop), get(want, 'Properties', prop))) other.push(`Resources.${id}.Properties.${prop}`);
    }
  }
  for (const id of livePolicies.keys()) if (!wantPolicies.has(id)) diff.inlinePolicies.removed.push(id);

  if (!sameJson(before.boundary, after.boundary)) {
    diff.permissionsBoundary = { before: display(before.boundary), after: display(after.boundary) };
  }
  if (!sameJson(before.roleName, after.roleName)) {
    diff.roleName = { before: display(before.roleName), after: display(after.roleName) };
  }

  // Everything else irsactl renders: a difference there still needs an update.
  if (!before.present && after.present) other.push(`Resources.${ROLE_LOGICAL_ID}`);
  const props = new Set([...Object.keys(before.otherProps), ...Object.keys(after.otherProps)]);
  for (const prop of [...props].sort()) {
    if (!sameJson(before.otherProps[prop], after.otherProps[prop])) other.push(`Resources.${ROLE_LOGICAL_ID}.Properties.${prop}`);
  }
  for (const key of ['Description', 'Outputs']) {
    if (!sameJson(get(liveT, key), get(wantT, key))) other.push(key);
  }
  const otherResources = (t: unknown): string[] => {
    const r = get(t, 'Resources');
    return isRecord(r)
      ? Object.keys(r).filter((id) => id !== ROLE_LOGICAL_ID && get(r, id, 'Type') !== 'AWS::IAM::Policy')
      : [];
  };
  const liveOthers = otherResources(liveT);
  const wantOthers = otherResources(wantT);
  for (const id of new Set([...liveOthers, ...wantOthers])) {
    if (!sameJson(get(liveT, 'Resources', id), get(wantT, 'Resources', id))) other.push(`Resources.${id}`);
  }
  if (other.length > 0) diff.other = other;

  diff.changed =
    diff.trustPolicy !== undefined ||
    diff.managedPolicies.added.length + diff.managedPolicies.removed.length > 0 ||
    diff.inlinePolicies.added.length + diff.inlinePolicies.removed.length + diff.inlinePolicies.changed.length > 0 ||
    diff.permissionsBoundary !== undefined ||
    diff.roleName !== undefined ||
    other.length > 0;
  return diff;
}

export function diffTags(live: Record<string, string>, desired: Record<string, string>): TagDiff {
  const result: TagDiff = { added: {}, removed: {}, changed: {} };
  for (const key of Object.keys(desired).sort()) {
    if (!Object.hasOwn(live, key)) result.added[key] = desired[key];
    else if (live[key] !== desired[key]) result.changed[key] = { before: live[key], after: desired[key] };
  }
  for (const key of Object.keys(live).sort()) if (!Object.hasOwn(desired, key)) result.removed[key] = live[key];
  return result;
}

/** eksctl reads this on update: a role name set at creation wins over the spec's. */
export function liveRoleName(live: unknown): string | undefined {
  const name = get(live, 'Resources', ROLE_LOGICAL_ID, 'Properties', 'RoleName');
  return typeof name === 'string' && name !== '' ? name : undefined;
}

// ---------- formatting ----------

interface ConditionEntry {
  operator: string;
  value: unknown;
}

/** The operator and value of the first statement's condition on `<issuer>:<suffix>`. */
function conditionOn(doc: unknown, suffix: string): ConditionEntry | undefined {
  for (const statement of asList(get(doc, 'Statement'))) {
    const condition = get(statement, 'Condition');
    if (!isRecord(condition)) continue;
    for (const [operator, entries] of Object.entries(condition)) {
      if (!isRecord(entries)) continue;
      for (const [key, value] of Object.entries(entries)) if (key.endsWith(`:${suffix}`)) return { operator, value };
    }
  }
  return undefined;
}

const quote = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : canonicalJson(v));
const showCondition = (c: ConditionEntry | undefined): string => {
  if (!c) return '(none)';
  const value = Array.isArray(c.value) && c.value.length === 1 ? c.value[0] : c.value;
  return c.operator === 'StringEquals' ? quote(value) : `${c.operator} ${quote(value)}`;
};
const federated = (doc: unknown): unknown => {
  const statements = asList(get(doc, 'Statement'));
  return statements.length > 0 ? get(statements[0], 'Principal', 'Federated') : undefined;
};
const orNone = (v: string | undefined): string => v ?? '(none)';

function trustLines(before: unknown, after: unknown): string[] {
  const lines: string[] = [];
  for (const suffix of ['sub', 'aud']) {
    const [b, a] = [conditionOn(before, suffix), conditionOn(after, suffix)];
    if (canonicalJson(b) !== canonicalJson(a)) lines.push(`~ trust policy: ${suffix} ${showCondition(b)} → ${showCondition(a)}`);
  }
  const [fb, fa] = [federated(before), federated(after)];
  if (!sameJson(fb, fa)) lines.push(`~ trust policy: provider ${orNone(display(fb))} → ${orNone(display(fa))}`);
  return lines.length > 0 ? lines : ['~ trust policy changed'];
}

const actionsOf = (doc: unknown): Set<string> =>
  new Set(
    asList(get(doc, 'Statement')).flatMap((s) => {
      const actions = get(s, 'Action');
      return actions === undefined ? [] : asList(actions).map((a) => String(a));
    }),
  );

function inlineChangeLine(name: string, before: unknown, after: unknown): string {
  const [b, a] = [actionsOf(before), actionsOf(after)];
  const added = [...a].filter((x) => !b.has(x)).map((x) => `+${x}`);
  const removed = [...b].filter((x) => !a.has(x)).map((x) => `-${x}`);
  const detail = added.length + removed.length > 0 ? [...removed, ...added].join(' ') : 'conditions or resources changed';
  return `~ inline policy ${name}: ${detail}`;
}

/** Human lines, one per change, prefixed '+ ', '- ' or '~ '; uncoloured. */
export function formatDiff(d: TemplateDiff, tags?: TagDiff): string[] {
  const lines: string[] = [];
  if (d.roleName) lines.push(`~ role name: ${orNone(d.roleName.before)} → ${orNone(d.roleName.after)}`);
  if (d.trustPolicy) lines.push(...trustLines(d.trustPolicy.before, d.trustPolicy.after));
  for (const arn of d.managedPolicies.removed) lines.push(`- managed policy ${arn}`);
  for (const arn of d.managedPolicies.added) lines.push(`+ managed policy ${arn}`);
  for (const name of d.inlinePolicies.removed) lines.push(`- inline policy ${name}`);
  for (const name of d.inlinePolicies.added) lines.push(`+ inline policy ${name}`);
  for (const c of d.inlinePolicies.changed) lines.push(inlineChangeLine(c.name, c.before, c.after));
  if (d.permissionsBoundary) {
    lines.push(`~ permissions boundary: ${orNone(d.permissionsBoundary.before)} → ${orNone(d.permissionsBoundary.after)}`);
  }
  for (const path of d.other ?? []) lines.push(`~ ${path} changed`);
  if (tags) {
    for (const [k, v] of Object.entries(tags.removed)) lines.push(`- tag ${k}=${v}`);
    for (const [k, v] of Object.entries(tags.added)) lines.push(`+ tag ${k}=${v}`);
    for (const [k, c] of Object.entries(tags.changed)) lines.push(`~ tag ${k}: ${c.before} → ${c.after}`);
  }
  return lines;
}
