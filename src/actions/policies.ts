import pLimit from 'p-limit';
import { parseLiveTemplate } from '../cfn/diff.js';
import { coverage, wellKnownGrants } from '../cfn/policy-coverage.js';
import { EKSCTL_POLICIES, MANAGED_POLICIES, UPSTREAM_POLICIES, isWellKnownKey, type CataloguedPolicyFile } from '../cfn/policy-data.js';
import { controllerPolicyFile, upstreamPolicy, upstreamVersions } from '../cfn/well-known-policies.js';
import type { ResolvedConfig } from '../config/types.js';
import { IrsaError, usageError } from '../errors.js';
import { saId, WELL_KNOWN_POLICY_KEYS, type WellKnownPolicyKey } from '../model/service-account.js';
import { table, toJson } from '../output/format.js';
import type { Io } from '../output/io.js';
import { writeResult } from '../output/reporter.js';
import { openCluster, type ConnectionOptions } from '../runtime/cluster-session.js';
import type { Runtime } from '../runtime/runtime.js';
import { roleStacks } from '../services/stacks.js';
import { podIdentityId } from '../model/pod-identity.js';
import type { StackRecord } from '../aws/ports.js';

// `irsactl policies list|show|outdated`: the catalogue of well-known policies (eksctl's and the controllers' own,
// with where each came from), one document, and which roles of a cluster lack what their controller needs.

export type PoliciesOutput = 'text' | 'json';

const short = (commit: string): string => commit.slice(0, 12);
const sourceOf = (f: CataloguedPolicyFile) => f.source;
const controllers = (): string[] => [...new Set<string>([...WELL_KNOWN_POLICY_KEYS, ...UPSTREAM_POLICIES.keys(), ...MANAGED_POLICIES.keys()])];
const cataloguedVersions = (c: string): readonly CataloguedPolicyFile[] => UPSTREAM_POLICIES.get(c) ?? MANAGED_POLICIES.get(c) ?? [];

/** `policies list`: every controller, its eksctl policy (if eksctl has one) and its catalogued upstream versions. */
export function listPolicies(io: Io, output: PoliciesOutput): void {
  const eksctl = EKSCTL_POLICIES.source;
  const rows = controllers().map((c) => ({
    controller: c,
    eksctl: isWellKnownKey(c) ? { ref: eksctl.ref, commit: eksctl.commit } : null,
    upstream: cataloguedVersions(c).map((f) => ({ version: f.version, source: sourceOf(f), ...('managedPolicies' in f ? { managedPolicies: f.managedPolicies } : {}) })),
  }));
  if (output === 'json') {
    writeResult(io, toJson({ eksctl: { repository: eksctl.repository, ref: eksctl.ref, commit: eksctl.commit }, controllers: rows }));
    return;
  }
  writeResult(
    io,
    table(
      ['CONTROLLER', 'EKSCTL', 'UPSTREAM VERSIONS (NEWEST LAST)', 'SOURCE'],
      rows.map((r) => {
        const newest = r.upstream[r.upstream.length - 1]?.source;
        return [r.controller, r.eksctl ? `eksctl ${r.eksctl.ref}` : '-', r.upstream.map((u) => u.version).join(', ') || '-', newest ? `${newest.repository}/${newest.path}` : '-'];
      }),
    ),
  );
}

export interface ShowOptions {
  version?: string;
  profile?: 'eksctl' | 'upstream';
  output: PoliciesOutput;
}

function unknownController(name: string): IrsaError {
  return usageError(`no well-known policy "${name}"`, `known: ${controllers().join(', ')}`);
}

/** `policies show NAME`: the document as its source publishes it (upstream, the default when catalogued) or eksctl's. */
export function showPolicy(io: Io, name: string, opts: ShowOptions): void {
  if (!controllers().includes(name)) throw unknownController(name);
  const profile = opts.profile ?? (opts.version !== undefined || !isWellKnownKey(name) || UPSTREAM_POLICIES.has(name) ? 'upstream' : 'eksctl');
  if (profile === 'eksctl') {
    if (opts.version !== undefined) throw usageError('--version applies to the upstream profile only', 'drop --version, or use --policy-profile upstream');
    const data = isWellKnownKey(name) ? EKSCTL_POLICIES.wellKnownPolicies[name] : undefined;
    if (!data) throw usageError(`eksctl has no ${name} policy`, 'use --policy-profile upstream');
    const s = EKSCTL_POLICIES.source;
    const value = {
      controller: name,
      profile,
      source: s,
      managedPolicies: data.managed.map((m) => `arn:aws:iam::aws:policy/${m}`),
      inlinePolicies: data.inline.map((p) => ({ logicalId: p.logicalId, document: { Version: '2012-10-17', Statement: p.statements } })),
    };
    if (opts.output === 'json') writeResult(io, toJson(value));
    else {
      const lines = [`# ${name}: eksctl's statements, ${s.repository} ${s.ref} (${short(s.commit)}), ${s.files.map((f) => f.path).join(', ')}`];
      for (const m of value.managedPolicies) lines.push(`# managed policy: ${m}`);
      for (const p of value.inlinePolicies) lines.push(`# inline policy ${p.logicalId}:`, JSON.stringify(p.document, null, 2));
      writeResult(io, `${lines.join('\n')}\n`);
    }
    return;
  }
  const known = cataloguedVersions(name).map((f) => f.version);
  if (known.length === 0) throw usageError(`${name} has no upstream document (it is a managed policy in every profile)`, 'use --policy-profile eksctl');
  const found = controllerPolicyFile(name, opts.version);
  if (!found) throw usageError(`--version: "${opts.version}" is not a catalogued ${name} version`, `known: ${known.join(', ')}`);
  if ('managedPolicies' in found) {
    const arns = found.managedPolicies.map((m) => `arn:aws:iam::aws:policy/${m}`);
    const s = found.source;
    if (opts.output === 'json') {
      writeResult(io, toJson({ controller: name, profile, version: found.version, source: s, ...(found.note ? { note: found.note } : {}), managedPolicies: arns }));
    } else {
      const lines = [`# ${name} ${found.version}: ${s.repository} ${s.path} at ${s.ref} (${short(s.commit)}), sha256 ${s.sha256.slice(0, 16)}…`];
      if (found.note) lines.push(`# ${found.note}`);
      writeResult(io, `${[...lines, ...arns.map((a) => `# managed policy: ${a}`)].join('\n')}\n`);
    }
    return;
  }
  const file = found;
  if (opts.output === 'json') {
    const extra = { ...(file.note ? { note: file.note } : {}), ...(file.inputs ? { inputs: file.inputs } : {}) };
    writeResult(io, toJson({ controller: name, profile, version: file.version, source: file.source, ...extra, document: file.document }));
    return;
  }
  const s = file.source;
  const lines = [`# ${name} ${file.version}: ${s.repository} ${s.path} at ${s.ref} (${short(s.commit)}), sha256 ${s.sha256.slice(0, 16)}…`];
  if (file.note) lines.push(`# ${file.note}`);
  for (const [k, input] of Object.entries(file.inputs ?? {})) {
    lines.push(`# input ${k}${input.required ? ' (required)' : ''}${input.list ? ' (a list)' : ''}: ${input.description}; replaces ${input.placeholder}`);
  }
  writeResult(io, `${lines.join('\n')}\n${JSON.stringify(file.document, null, 2)}\n`);
}

/** `--version NAME=V` for outdated: each checked against the catalogue before any request. */
export function checkPinnedVersions(pins: Readonly<Record<string, string>>): void {
  for (const [name, version] of Object.entries(pins)) {
    const known = upstreamVersions(name);
    if (known.length === 0) throw usageError(`--version ${name}=${version}: no upstream document for "${name}"`, `controllers with versions: ${[...UPSTREAM_POLICIES.keys()].join(', ')}`);
    if (!known.includes(version)) throw usageError(`--version ${name}=${version}: not a catalogued ${name} version`, `known: ${known.join(', ')}`);
  }
}

export interface OutdatedOptions extends ConnectionOptions {
  output: PoliciesOutput;
  /** controller → version, from --version; else the file's wellKnownPolicyVersions, else the newest catalogued */
  versions: Readonly<Record<string, string>>;
}

interface OutdatedRow {
  /** whose role: an iamserviceaccount's or a pod identity association's */
  kind: 'iamserviceaccount' | 'podidentityassociation';
  namespace: string;
  name: string;
  stackName: string;
  wellKnownPolicy: WellKnownPolicyKey;
  version: string;
  missing: string[];
  unused: string[];
}

/** `policies outdated`: read-only; throws CHECK_FAILED after printing when a role lacks an action its controller needs. */
export async function outdatedPolicies(rt: Runtime, resolved: ResolvedConfig, opts: OutdatedOptions): Promise<void> {
  checkPinnedVersions(opts.versions);
  const fileVersions = {
    iamserviceaccount: new Map(resolved.cluster.serviceAccounts.map((sa) => [saId(sa), sa.wellKnownPolicySelection?.versions ?? {}])),
    podidentityassociation: new Map((resolved.cluster.podIdentityAssociations ?? []).map((p) => [podIdentityId(p), p.wellKnownPolicySelection?.versions ?? {}])),
  };
  const session = await openCluster(rt, { cluster: resolved.cluster.name, region: resolved.region, ...opts });
  // With -f, the file's (included) service accounts and pod identity associations; with --cluster alone, every
  // iamserviceaccount and pod identity role stack of the cluster (one listing for both).
  const wantedSa = resolved.lookup ? undefined : new Set(resolved.selected.map(saId));
  const wantedPia = resolved.lookup ? undefined : new Set(resolved.selectedPodIdentity.map(podIdentityId));
  const found = await roleStacks(session.aws.cfn, session.name);
  const pick = (kind: OutdatedRow['kind'], owned: ReadonlyMap<string, StackRecord>, wanted: Set<string> | undefined) =>
    [...owned.entries()].filter(([id]) => !wanted || wanted.has(id)).sort(([a], [b]) => a.localeCompare(b)).map(([id, s]) => ({ kind, id, s }));
  const stacks = [...pick('iamserviceaccount', found.irsa.owned, wantedSa), ...pick('podidentityassociation', found.podIdentity.owned, wantedPia)];
  const limit = pLimit(8);
  const perStack = await Promise.all(
    stacks.map(({ kind, id, s }) =>
      limit(async (): Promise<OutdatedRow[]> => {
        const [namespace, name] = id.split('/') as [string, string];
        const grants = wellKnownGrants(parseLiveTemplate(await session.aws.cfn.getTemplate(s.stackId)));
        return [...grants].flatMap(([key, actions]) => {
          // --version, else the file's pin, else the newest.
          const pinned = fileVersions[kind].get(id)?.[key];
          const file = upstreamPolicy(key, opts.versions[key] ?? pinned);
          if (!file) return [];
          return [{ kind, namespace, name, stackName: s.stackName, wellKnownPolicy: key, version: file.version, ...coverage(actions, file.document) }];
        });
      }),
    ),
  );
  const rows = perStack.flat();
  const lacking = rows.filter((r) => r.missing.length > 0);
  if (opts.output === 'json') {
    writeResult(rt.io, toJson({ cluster: session.name, region: session.region, outdated: lacking.length > 0, policies: rows }));
  } else if (rows.length === 0) {
    rt.reporter.info(`No iamserviceaccount or pod identity role of ${session.name} has a well-known inline policy to compare`);
  } else {
    const list = (xs: string[]) => (xs.length === 0 ? '-' : xs.join(', '));
    writeResult(
      rt.io,
      table(
        ['NAMESPACE', 'NAME', 'KIND', 'POLICY', 'AGAINST', 'MISSING', 'NO LONGER USED'],
        rows.map((r) => [r.namespace, r.name, r.kind, r.wellKnownPolicy, r.version, list(r.missing), list(r.unused)]),
      ),
    );
  }
  if (lacking.length > 0) {
    const whose = (rs: OutdatedRow[]) => {
      const kinds = new Set(rs.map((r) => r.kind));
      return kinds.size === 2 ? 'service accounts and pod identity associations' : kinds.has('iamserviceaccount') ? 'service accounts' : 'pod identity associations';
    };
    throw new IrsaError('CHECK_FAILED', `${lacking.length} well-known ${lacking.length === 1 ? 'policy lacks' : 'policies lack'} actions their controller needs`, {
      hint: `set wellKnownPolicyProfile: upstream on those ${whose(lacking)} (irsactl policies show NAME prints the document) and apply`,
    });
  }
}
