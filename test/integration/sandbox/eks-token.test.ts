import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { eksToken } from '../../../src/aws/eks-token.js';
import { verifyEksToken } from '../../../sandbox/eks-token-verify.js';

const run = promisify(execFile);
const KEY = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const credentials = { accessKeyId: KEY, secretAccessKey: SECRET };
const decode = (token: string) => Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8');

async function awsCliToken(clusterName: string): Promise<string> {
  const { stdout } = await run(
    'aws',
    ['eks', 'get-token', '--cluster-name', clusterName, '--region', 'us-west-2', '--output', 'json'],
    {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AWS_ACCESS_KEY_ID: KEY,
        AWS_SECRET_ACCESS_KEY: SECRET,
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      },
    },
  );
  return (JSON.parse(stdout) as { status: { token: string } }).status.token;
}

describe('eksToken', () => {
  it('is byte-identical to `aws eks get-token` signed in the same second', async () => {
    // The CLI signs with its own clock; retry once if the two straddle a second boundary.
    for (let attempt = 0; ; attempt++) {
      const cli = await awsCliToken('probe');
      const signedAt = /X-Amz-Date=(\d{8}T\d{6}Z)/.exec(decode(cli))?.[1];
      expect(signedAt).toBeDefined();
      const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(signedAt ?? '');
      const now = new Date(Date.UTC(+m![1], +m![2] - 1, +m![3], +m![4], +m![5], +m![6]));
      const ours = await eksToken({ clusterName: 'probe', region: 'us-west-2', credentials, now });
      if (ours.token !== cli && attempt === 0) continue;
      expect(decode(ours.token)).toBe(decode(cli));
      expect(ours.token).toBe(cli);
      break;
    }
  }, 30_000);

  it('has the documented shape: prefix, unpadded base64url, signed x-k8s-aws-id, 60 s presign, 10 min lifetime', async () => {
    const now = new Date('2026-01-02T03:04:05Z');
    const { token, expiresAt } = await eksToken({ clusterName: 'c1', region: 'eu-west-1', credentials, now });
    expect(token.startsWith('k8s-aws-v1.')).toBe(true);
    expect(token).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    const url = new URL(decode(token));
    expect(url.host).toBe('sts.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('GetCallerIdentity');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(url.searchParams.get('X-Amz-Date')).toBe('20260102T030405Z');
    expect(expiresAt.getTime() - now.getTime()).toBe(10 * 60 * 1000);
  });

  it('carries a session token in the query when there is one', async () => {
    const { token } = await eksToken({
      clusterName: 'c1',
      region: 'us-west-2',
      credentials: { ...credentials, sessionToken: 'SESSION/TOKEN+1' },
    });
    expect(new URL(decode(token)).searchParams.get('X-Amz-Security-Token')).toBe('SESSION/TOKEN+1');
    const verdict = await verifyEksToken(token, { clusterName: 'c1', credentials: { [KEY]: SECRET } });
    expect(verdict).toEqual({ ok: true, accessKeyId: KEY });
  });
});

describe('verifyEksToken', () => {
  const known = { [KEY]: SECRET };

  it('accepts our token and the aws CLI token for the right cluster', async () => {
    const ours = await eksToken({ clusterName: 'probe', region: 'us-west-2', credentials });
    expect(await verifyEksToken(ours.token, { clusterName: 'probe', credentials: known })).toEqual({ ok: true, accessKeyId: KEY });
    const cli = await awsCliToken('probe');
    expect(await verifyEksToken(cli, { clusterName: 'probe', credentials: known })).toEqual({ ok: true, accessKeyId: KEY });
  }, 30_000);

  it("rejects another cluster's token", async () => {
    const { token } = await eksToken({ clusterName: 'other', region: 'us-west-2', credentials });
    const verdict = await verifyEksToken(token, { clusterName: 'probe', credentials: known });
    expect(verdict).toMatchObject({ ok: false, reason: expect.stringContaining('signature does not match') });
  });

  it('rejects a token signed with the wrong secret, and an unknown access key', async () => {
    const wrong = await eksToken({ clusterName: 'probe', region: 'us-west-2', credentials: { accessKeyId: KEY, secretAccessKey: 'nope' } });
    expect(await verifyEksToken(wrong.token, { clusterName: 'probe', credentials: known })).toMatchObject({ ok: false });
    const unknown = await eksToken({ clusterName: 'probe', region: 'us-west-2', credentials: { accessKeyId: 'AKIAOTHER', secretAccessKey: SECRET } });
    expect(await verifyEksToken(unknown.token, { clusterName: 'probe', credentials: known })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('unknown access key'),
    });
  });

  it('accepts a token for 15 minutes (aws-iam-authenticator) and rejects it after', async () => {
    const signedAt = new Date('2026-03-01T12:00:00Z');
    const { token } = await eksToken({ clusterName: 'probe', region: 'us-west-2', credentials, now: signedAt });
    const at = (ms: number) => new Date(signedAt.getTime() + ms);
    expect(await verifyEksToken(token, { clusterName: 'probe', credentials: known, now: at(14 * 60_000) })).toMatchObject({ ok: true });
    expect(await verifyEksToken(token, { clusterName: 'probe', credentials: known, now: at(16 * 60_000) })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('expired'),
    });
    expect(await verifyEksToken(token, { clusterName: 'probe', credentials: known, now: at(-10 * 60_000) })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('future'),
    });
  });

  it('rejects malformed tokens: missing prefix, padding, foreign host, unsigned cluster header', async () => {
    const { token } = await eksToken({ clusterName: 'probe', region: 'us-west-2', credentials });
    const opts = { clusterName: 'probe', credentials: known };
    expect(await verifyEksToken(token.slice('k8s-aws-v1.'.length), opts)).toMatchObject({ ok: false, reason: expect.stringContaining('does not start with k8s-aws-v1.') });
    expect(await verifyEksToken(`${token}==`, opts)).toMatchObject({ ok: false });
    const url = decode(token);
    const reencode = (u: string) => `k8s-aws-v1.${Buffer.from(u).toString('base64url')}`;
    expect(await verifyEksToken(reencode(url.replace('sts.us-west-2.amazonaws.com', 'evil.example.com')), opts)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('host'),
    });
    expect(await verifyEksToken(reencode(url.replace('host%3Bx-k8s-aws-id', 'host')), opts)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('x-k8s-aws-id'),
    });
  });
});

/** One region of every partition the SDK knows, and the STS host botocore (the aws CLI) gives it. */
const PARTITIONS = [
  { partition: 'aws', region: 'us-west-2' },
  { partition: 'aws-cn', region: 'cn-north-1' },
  { partition: 'aws-us-gov', region: 'us-gov-west-1' },
  { partition: 'aws-iso', region: 'us-iso-east-1' },
  { partition: 'aws-iso-b', region: 'us-isob-east-1' },
  { partition: 'aws-iso-e', region: 'eu-isoe-west-1' },
  { partition: 'aws-iso-f', region: 'us-isof-south-1' },
  { partition: 'aws-eusc', region: 'eusc-de-east-1' },
];

/** The host the JS SDK's STS client really sends GetCallerIdentity to for `region` (the request is caught, never sent). */
async function sdkStsHost(region: string): Promise<string> {
  let host: string | undefined;
  const client = new STSClient({
    region,
    credentials,
    ignoreConfiguredEndpointUrls: true,
    requestHandler: {
      handle: async (request: { hostname: string }) => {
        host = request.hostname;
        throw new Error('caught before sending');
      },
    },
  });
  await client.send(new GetCallerIdentityCommand({})).catch(() => undefined);
  client.destroy();
  if (host === undefined) throw new Error(`the STS client sent nothing for ${region}`);
  return host;
}

/** botocore's regional STS endpoints (the aws CLI's library), an oracle independent of the JS SDK. */
async function botocoreStsHosts(regions: string[]): Promise<Record<string, string>> {
  const script = [
    'import json, sys, botocore.session',
    's = botocore.session.get_session()',
    "print(json.dumps({r: s.create_client('sts', region_name=r, aws_access_key_id='a', aws_secret_access_key='b').meta.endpoint_url for r in sys.argv[1:]}))",
  ].join('\n');
  const { stdout } = await run('python3', ['-c', script, ...regions], { env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_STS_REGIONAL_ENDPOINTS: 'regional' } });
  const urls = JSON.parse(stdout) as Record<string, string>;
  return Object.fromEntries(Object.entries(urls).map(([r, u]) => [r, new URL(u).hostname]));
}

describe('the STS host of the token, per partition', () => {
  it('is the host the SDK resolves for the region, the same as botocore, and the verifier accepts it', async () => {
    const botocore = await botocoreStsHosts(PARTITIONS.map((p) => p.region));
    for (const { partition, region } of PARTITIONS) {
      const { token } = await eksToken({ clusterName: 'probe', region, credentials });
      const host = new URL(decode(token)).hostname;
      expect(host, partition).toBe(await sdkStsHost(region));
      expect(host, partition).toBe(botocore[region]);
      expect(await verifyEksToken(token, { clusterName: 'probe', credentials: { [KEY]: SECRET } }), partition).toEqual({ ok: true, accessKeyId: KEY });
    }
  }, 30_000);

  it('the verifier refuses a token whose host is not of its region, as aws-iam-authenticator does', async () => {
    const reencode = (u: string) => `k8s-aws-v1.${Buffer.from(u).toString('base64url')}`;
    // The host irsactl used to build for ISO and EUSC regions, and a host of another partition.
    const { token } = await eksToken({ clusterName: 'probe', region: 'us-iso-east-1', credentials });
    const url = decode(token);
    for (const wrong of ['sts.us-iso-east-1.amazonaws.com', 'sts.us-west-2.amazonaws.com', 'sts.us-isob-east-1.sc2s.sgov.gov']) {
      const verdict = await verifyEksToken(reencode(url.replace('sts.us-iso-east-1.c2s.ic.gov', wrong)), { clusterName: 'probe', credentials: { [KEY]: SECRET } });
      expect(verdict, wrong).toMatchObject({ ok: false, reason: expect.stringContaining('unexpected hostname') });
    }
    // The FIPS and global variants real EKS also accepts for a us-west-2 token still pass the host check.
    const { token: west } = await eksToken({ clusterName: 'probe', region: 'us-west-2', credentials });
    for (const variant of ['sts-fips.us-west-2.amazonaws.com', 'sts.amazonaws.com']) {
      const verdict = await verifyEksToken(reencode(decode(west).replace('sts.us-west-2.amazonaws.com', variant)), { clusterName: 'probe', credentials: { [KEY]: SECRET } });
      // Re-hosted, the signature no longer matches: what matters is that the host was not the reason.
      expect(verdict, variant).toMatchObject({ ok: false, reason: expect.stringContaining('signature does not match') });
    }
  });

  it('ends the token no later than the temporary credentials it was signed with', async () => {
    const now = new Date('2026-01-02T03:04:05Z');
    const expiration = new Date(now.getTime() + 3 * 60_000);
    const { expiresAt } = await eksToken({ clusterName: 'c1', region: 'us-west-2', credentials: { ...credentials, sessionToken: 'S', expiration }, now });
    expect(expiresAt).toEqual(expiration);
  });
});
