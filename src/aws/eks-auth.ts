// Node's crypto, as the SDK's own clients sign with on Node (the pure-JS one was 4 ms of every Kubernetes token, cold)
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest, type HttpResponse } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { IrsaError } from '../errors.js';
import { isRecord } from '../json.js';
import { credentialProvider } from './credentials.js';
import { clientConfig, toIrsaError, USER_AGENT } from './config.js';
import type { AwsOptions } from './options.js';
import type { EksAuthPort, PodIdentityAssumed } from './ports.js';
import { readAll } from './request-handler.js';

// The EKS Auth API (botocore's eks-auth/2023-11-26: rest-json, SigV4 signing name `eks-auth`), which has no JS SDK
// client on the registry irsactl uses: its one operation, AssumeRoleForPodIdentity, signed here and sent through the
// request handler every AWS client uses (proxies, CA bundle, timeouts, the run's deadline), to the configured endpoint.

const OPERATION = 'AssumeRoleForPodIdentity';
const SIGNING_NAME = 'eks-auth';
/** The answers worth another attempt, as the SDKs' standard retry mode has them. */
const RETRYABLE = new Set(['ThrottlingException', 'InternalServerException', 'ServiceUnavailableException']);
const BACKOFF_MS = 200;

/** The endpoint rule set's default: eks-auth.<region>.<the partition's dual-stack suffix>. */
export function eksAuthEndpoint(region: string): string {
  const suffix = region.startsWith('cn-') ? 'api.amazonwebservices.com.cn' : 'api.aws';
  return `https://eks-auth.${region}.${suffix}`;
}

/** The credentials to sign with: the run's provider, the environment's keys, else the SDK's chain for the profile. */
function signingCredentials(opts: AwsOptions, configured: ReturnType<typeof clientConfig>['credentials']): AwsCredentialIdentityProvider {
  if (typeof configured === 'function') return configured;
  if (configured !== undefined) return async (): Promise<AwsCredentialIdentity> => configured;
  return credentialProvider({ env: opts.env, ...(opts.profile !== undefined ? { profile: opts.profile } : {}), region: opts.region });
}

async function bodyText(response: HttpResponse): Promise<string> {
  const body: unknown = response.body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  if (typeof body === 'string') return body;
  if (typeof body === 'object' && body !== null && Symbol.asyncIterator in body) return (await readAll(body as AsyncIterable<Uint8Array | string>)).toString('utf8');
  return '';
}

const header = (response: HttpResponse, name: string): string | undefined => {
  const found = Object.entries(response.headers).find(([k]) => k.toLowerCase() === name);
  return found?.[1];
};

/** A rest-json error answer as the SDK would throw it (name from x-amzn-errortype or __type/code, message), for toIrsaError. */
function serviceError(response: HttpResponse, text: string): Error {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const record = isRecord(parsed) ? parsed : {};
  const rawName = header(response, 'x-amzn-errortype') ?? (typeof record.__type === 'string' ? record.__type : undefined) ?? (typeof record.code === 'string' ? record.code : undefined);
  // "InvalidTokenException:http://internal.amazon.com/…" and "aws.eks-auth#InvalidTokenException" both name InvalidTokenException.
  const name = rawName?.split(':')[0]?.split('#').pop() || (parsed === undefined ? 'UnknownError' : `HTTP${response.statusCode}`);
  const message = typeof record.message === 'string' ? record.message : typeof record.Message === 'string' ? record.Message : '';
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: response.statusCode }, $response: response, $responseBodyText: text });
}

function parseAnswer(text: string): PodIdentityAssumed {
  const out: unknown = JSON.parse(text);
  const o = isRecord(out) ? out : {};
  const user = isRecord(o.assumedRoleUser) ? o.assumedRoleUser : {};
  const association = isRecord(o.podIdentityAssociation) ? o.podIdentityAssociation : {};
  const subject = isRecord(o.subject) ? o.subject : {};
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  if (str(user.arn) === '') throw new IrsaError('AWS', `${OPERATION} failed: no assumedRoleUser in the answer`);
  return {
    assumedRoleArn: str(user.arn),
    associationId: str(association.associationId),
    associationArn: str(association.associationArn),
    subject: { namespace: str(subject.namespace), serviceAccount: str(subject.serviceAccount) },
  };
}

export function createEksAuthPort(opts: AwsOptions): EksAuthPort {
  const config = clientConfig('EKS_AUTH', opts);
  const endpoint = new URL(config.endpoint ?? eksAuthEndpoint(opts.region));
  const signer = new SignatureV4({ service: SIGNING_NAME, region: opts.region, credentials: signingCredentials(opts, config.credentials), sha256: Sha256 });
  const basePath = endpoint.pathname.replace(/\/$/, '');

  const once = async (cluster: string, token: string): Promise<PodIdentityAssumed> => {
    const host = endpoint.port !== '' ? `${endpoint.hostname}:${endpoint.port}` : endpoint.hostname;
    const request = new HttpRequest({
      method: 'POST',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      ...(endpoint.port !== '' ? { port: Number(endpoint.port) } : {}),
      path: `${basePath}/clusters/${encodeURIComponent(cluster)}/assume-role-for-pod-identity`,
      headers: { host, 'content-type': 'application/json', 'user-agent': USER_AGENT },
      body: JSON.stringify({ token }),
    });
    const signed = await signer.sign(request);
    const { response } = await config.requestHandler.handle(signed as HttpRequest);
    const text = await bodyText(response);
    if (response.statusCode >= 300) throw serviceError(response, text);
    try {
      return parseAnswer(text);
    } catch (err) {
      if (err instanceof IrsaError) throw err;
      throw Object.assign(new Error(`Unexpected token in JSON: ${err instanceof Error ? err.message : String(err)}`), { name: 'SyntaxError', $metadata: { httpStatusCode: response.statusCode }, $response: response, $responseBodyText: text });
    }
  };

  return {
    async assumeRoleForPodIdentity(cluster, token) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await once(cluster, token);
        } catch (err) {
          if (err instanceof IrsaError) throw err;
          const name = err instanceof Error ? err.name : '';
          const retryable = RETRYABLE.has(name) || /ECONNRESET|ETIMEDOUT|socket hang up/.test(err instanceof Error ? err.message : '');
          if (!retryable || attempt >= config.maxAttempts) throw toIrsaError(OPERATION, err);
          await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS * 2 ** (attempt - 1)));
        }
      }
    },
  };
}
