import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../sandbox/kube/json.js';
import { mutatePod, POD_IDENTITY_LABEL } from '../../../sandbox/kube/pod-identity-webhook.js';

// EKS's pod identity webhook as a pure function (no server): the mutations of aws/amazon-eks-pod-identity-webhook's
// handler, its testdata's expected patches for both paths, with the settings EKS gives it.

const ROLE = 'arn:aws:iam::111122223333:role/app';
const POD_IDENTITY_ENV = [
  { name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'regional' },
  { name: 'AWS_DEFAULT_REGION', value: 'us-west-2' },
  { name: 'AWS_REGION', value: 'us-west-2' },
  { name: 'AWS_CONTAINER_CREDENTIALS_FULL_URI', value: 'http://169.254.170.23/v1/credentials' },
  { name: 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', value: '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token' },
];
const POD_IDENTITY_MOUNT = { name: 'eks-pod-identity-token', readOnly: true, mountPath: '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount' };
const POD_IDENTITY_VOLUME = {
  name: 'eks-pod-identity-token',
  projected: { sources: [{ serviceAccountToken: { audience: 'pods.eks.amazonaws.com', expirationSeconds: 86400, path: 'eks-pod-identity-token' } }] },
};

const pod = (spec: JsonObject = {}, metadata: JsonObject = {}): JsonObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'apps', ...metadata },
  spec: { serviceAccountName: 'app', containers: [{ name: 'web', image: 'nginx' }], ...spec },
});
const sa = (annotations: Record<string, string> = {}): JsonObject => ({ metadata: { name: 'app', namespace: 'apps', annotations } });

interface Container {
  name: string;
  env?: { name: string; value: string }[];
  volumeMounts?: JsonObject[];
}
interface Mutated {
  metadata: { labels?: Record<string, string> };
  spec: { containers: Container[]; initContainers?: Container[]; volumes?: JsonObject[] };
}
const run = (input: Parameters<typeof mutatePod>[0]) => mutatePod(input) as unknown as Mutated;

describe('the pod identity webhook', () => {
  it('gives a pod of an associated ServiceAccount the container-credentials env, token volume, mount and label', () => {
    const out = run({ pod: pod(), serviceAccount: sa(), podIdentity: true, region: 'us-west-2' });
    expect(out.metadata.labels).toEqual({ [POD_IDENTITY_LABEL]: 'enabled' });
    expect(out.spec.containers[0].env).toEqual(POD_IDENTITY_ENV);
    expect(out.spec.containers[0].volumeMounts).toEqual([POD_IDENTITY_MOUNT]);
    expect(out.spec.volumes).toEqual([POD_IDENTITY_VOLUME]);
  });

  it('prefers the association to the IRSA annotation: no AWS_ROLE_ARN, no web-identity token', () => {
    const out = run({ pod: pod(), serviceAccount: sa({ 'eks.amazonaws.com/role-arn': ROLE }), podIdentity: true, region: 'us-west-2' });
    const names = (out.spec.containers[0].env ?? []).map((e) => e.name);
    expect(names).toContain('AWS_CONTAINER_CREDENTIALS_FULL_URI');
    expect(names).not.toContain('AWS_ROLE_ARN');
    expect(names).not.toContain('AWS_WEB_IDENTITY_TOKEN_FILE');
    expect(out.spec.volumes?.map((v) => v.name)).toEqual(['eks-pod-identity-token']);
  });

  it('applies without the ServiceAccount object: EKS keys associations by name', () => {
    const out = run({ pod: pod(), podIdentity: true });
    expect(out.metadata.labels).toEqual({ [POD_IDENTITY_LABEL]: 'enabled' });
    expect(out.spec.containers[0].env?.map((e) => e.name)).toEqual(['AWS_STS_REGIONAL_ENDPOINTS', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE']);
  });

  it('without an association, gives an annotated ServiceAccount\'s pod IRSA, as the webhook always has', () => {
    const out = run({ pod: pod(), serviceAccount: sa({ 'eks.amazonaws.com/role-arn': ROLE }), podIdentity: false, region: 'us-west-2' });
    expect(out.metadata.labels).toBeUndefined();
    expect(out.spec.containers[0].env).toEqual([
      { name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'regional' },
      { name: 'AWS_DEFAULT_REGION', value: 'us-west-2' },
      { name: 'AWS_REGION', value: 'us-west-2' },
      { name: 'AWS_ROLE_ARN', value: ROLE },
      { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' },
    ]);
    expect(out.spec.containers[0].volumeMounts).toEqual([{ name: 'aws-iam-token', readOnly: true, mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount' }]);
    expect(out.spec.volumes).toEqual([
      { name: 'aws-iam-token', projected: { sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 86400, path: 'token' } }] } },
    ]);
  });

  it('leaves a pod alone when neither applies, and never changes its input', () => {
    const input = pod();
    const before = structuredClone(input);
    expect(mutatePod({ pod: input, serviceAccount: sa(), podIdentity: false, region: 'us-west-2' })).toEqual(before);
    mutatePod({ pod: input, serviceAccount: sa(), podIdentity: true, region: 'us-west-2' });
    expect(input).toEqual(before);
  });

  it('keeps existing labels, volumes (its own goes first), env and mounts, and mutates init containers too', () => {
    const out = run({
      pod: pod(
        {
          initContainers: [{ name: 'init', image: 'busybox' }],
          containers: [{ name: 'web', image: 'nginx', env: [{ name: 'LOG', value: 'debug' }], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
          volumes: [{ name: 'data', emptyDir: {} }],
        },
        { labels: { app: 'web' } },
      ),
      podIdentity: true,
      region: 'us-west-2',
    });
    expect(out.metadata.labels).toEqual({ app: 'web', [POD_IDENTITY_LABEL]: 'enabled' });
    expect(out.spec.volumes?.map((v) => v.name)).toEqual(['eks-pod-identity-token', 'data']);
    expect(out.spec.containers[0].env).toEqual([{ name: 'LOG', value: 'debug' }, ...POD_IDENTITY_ENV]);
    expect(out.spec.containers[0].volumeMounts).toEqual([{ name: 'data', mountPath: '/data' }, POD_IDENTITY_MOUNT]);
    expect(out.spec.initContainers?.[0].env).toEqual(POD_IDENTITY_ENV);
  });

  it('adds only the variables a container lacks, and skips the containers the pod names', () => {
    const out = run({
      pod: pod(
        {
          containers: [
            { name: 'web', image: 'nginx', env: [{ name: 'AWS_REGION', value: 'eu-west-1' }] },
            { name: 'sidecar', image: 'envoy' },
          ],
        },
        { annotations: { 'eks.amazonaws.com/skip-containers': 'sidecar' } },
      ),
      serviceAccount: sa({ 'eks.amazonaws.com/sts-regional-endpoints': 'false' }),
      podIdentity: true,
      region: 'us-west-2',
    });
    expect(out.spec.containers[0].env?.map((e) => `${e.name}=${e.value}`)).toEqual([
      'AWS_REGION=eu-west-1',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.23/v1/credentials',
      'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token',
    ]);
    expect(out.spec.containers[1]).toEqual({ name: 'sidecar', image: 'envoy' });
  });

  it('takes the token lifetime from the pod, then the ServiceAccount, within 10 minutes and 24 hours', () => {
    const expiration = (podValue: string | undefined, saValue: string | undefined) => {
      const out = run({
        pod: pod({}, podValue !== undefined ? { annotations: { 'eks.amazonaws.com/token-expiration': podValue } } : {}),
        serviceAccount: sa(saValue !== undefined ? { 'eks.amazonaws.com/token-expiration': saValue } : {}),
        podIdentity: true,
      });
      const projected = out.spec.volumes?.[0].projected as { sources: { serviceAccountToken: { expirationSeconds: number } }[] };
      return projected.sources[0].serviceAccountToken.expirationSeconds;
    };
    expect(expiration(undefined, undefined)).toBe(86400);
    expect(expiration(undefined, '3600')).toBe(3600);
    expect(expiration('7200', '3600')).toBe(7200);
    expect(expiration('60', undefined)).toBe(600);
    expect(expiration('999999', undefined)).toBe(86400);
    expect(expiration('soon', '3600')).toBe(3600);
  });

  it('writes a Windows token path for a pod selecting Windows nodes', () => {
    const out = run({ pod: pod({ nodeSelector: { 'kubernetes.io/os': 'windows' } }), serviceAccount: sa({ 'eks.amazonaws.com/role-arn': ROLE }), podIdentity: false });
    expect(out.spec.containers[0].env?.find((e) => e.name === 'AWS_WEB_IDENTITY_TOKEN_FILE')?.value).toBe('C:\\var\\run\\secrets\\eks.amazonaws.com\\serviceaccount\\token');
  });
});
