import { describe, expect, it } from 'vitest';
import { EKSCTL_POLICIES, UPSTREAM_POLICIES } from '../../../src/cfn/policy-data.js';
import { upstreamPolicy } from '../../../src/cfn/well-known-policies.js';
import { runCli } from '../../support/run-cli.js';

// list and show read only the bundled catalogue: no AWS, no Kubernetes.
const run = (...argv: string[]) => runCli(['policies', ...argv], {});

describe('policies list', () => {
  it('json: every controller with its eksctl release and its upstream versions and sources', async () => {
    const r = await run('list', '-o', 'json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { eksctl: { commit: string }; controllers: { controller: string; eksctl: unknown; upstream: { version: string; source: { commit: string } }[] }[] };
    expect(out.eksctl.commit).toBe(EKSCTL_POLICIES.source.commit);
    const dns = out.controllers.find((c) => c.controller === 'externalDNS')!;
    expect(dns.upstream.map((u) => u.version)).toEqual(UPSTREAM_POLICIES.get('externalDNS')!.map((f) => f.version));
    expect(dns.upstream[0]!.source.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(out.controllers.find((c) => c.controller === 'imageBuilder')).toMatchObject({ upstream: [] });
  });

  it('text: a table', async () => {
    const r = await run('list');
    expect(r.stdout).toMatch(/^CONTROLLER\s+EKSCTL\s+UPSTREAM VERSIONS \(NEWEST LAST\)\s+SOURCE\n/);
    expect(r.stdout).toMatch(/^externalDNS\s+eksctl v0\.230\.0\s+v0\.22\.0\s+kubernetes-sigs\/external-dns\/docs\/tutorials\/aws\.md$/m);
  });
});

describe('policies show', () => {
  it('prints the upstream document by default, with its source in json', async () => {
    const r = await run('show', 'externalDNS', '-o', 'json');
    expect(r.code, r.stderr).toBe(0);
    const file = upstreamPolicy('externalDNS')!;
    expect(JSON.parse(r.stdout)).toEqual({ controller: 'externalDNS', profile: 'upstream', version: file.version, source: file.source, inputs: file.inputs, document: file.document });
  });

  it('a managed-policy entry: its managed policy ARNs and source, text and json', async () => {
    const r = await run('show', 'amazonManagedPrometheus', '-o', 'json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      controller: 'amazonManagedPrometheus',
      source: { repository: 'aws-observability/terraform-aws-observability-accelerator', path: 'modules/eks-monitoring/main.tf' },
      managedPolicies: ['arn:aws:iam::aws:policy/AmazonPrometheusRemoteWriteAccess'],
    });
    expect((await run('show', 'cloudWatchObservability')).stdout).toContain('# managed policy: arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy\n');
    const list = JSON.parse((await run('list', '-o', 'json')).stdout) as { controllers: { controller: string; upstream: { managedPolicies?: string[] }[] }[] };
    expect(list.controllers.find((c) => c.controller === 'cloudWatchObservability')!.upstream[0]!.managedPolicies).toEqual(['CloudWatchAgentServerPolicy']);
    expect(list.controllers.map((c) => c.controller)).toEqual(expect.arrayContaining(['karpenter', 'vpcCNIIPv6', 'awsLoadBalancerControllerTGB']));
  });

  it("--policy-profile eksctl prints eksctl's inline policies and managed ARNs", async () => {
    const r = await run('show', 'ebsCSIController', '--policy-profile', 'eksctl', '-o', 'json');
    expect(JSON.parse(r.stdout)).toMatchObject({ managedPolicies: ['arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy'], inlinePolicies: [] });
    const text = await run('show', 'certManager', '--policy-profile', 'eksctl');
    expect(text.stdout).toContain('# inline policy PolicyCertManagerGetChange:');
  });

  it('an unknown version, or name, is a usage error naming the known ones', async () => {
    const v = await run('show', 'externalDNS', '--version', 'v0.0.1');
    expect([v.code, v.stdout]).toEqual([2, '']);
    expect(v.stderr).toContain('"v0.0.1" is not a catalogued externalDNS version');
    expect(v.stderr).toContain('known: v0.22.0');
    const n = await run('show', 'externalDns');
    expect(n.code).toBe(2);
    expect(n.stderr).toContain('no well-known policy "externalDns"');
  });

  it('imageBuilder has only a managed policy: its upstream document does not exist', async () => {
    const r = await run('show', 'imageBuilder', '--policy-profile', 'upstream');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('imageBuilder has no upstream document');
  });
});

describe('policies outdated', () => {
  it('a malformed --version is a usage error before anything is read', async () => {
    const r = await run('outdated', '--cluster', 'demo', '--version', 'externalDNS');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--version "externalDNS": expected NAME=VERSION');
  });
});
