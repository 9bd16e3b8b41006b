import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { IrsaError } from '../errors.js';
import { IRSACTL_VERSION } from '../version.js';
import type { AwsOptions, AwsService } from './options.js';
import { ANSWER, FOREIGN_ANSWER_ERROR, awsRequestHandler, type Answer } from './request-handler.js';
import { singleLine } from '../output/terminal.js';

// Client configuration shared by the four AWS adapters, and the mapping of SDK
// errors to IrsaError. Plain data and logic; the HTTP side is request-handler.ts.


export const USER_AGENT = `irsactl/${IRSACTL_VERSION}`;
const DEFAULT_MAX_ATTEMPTS = 8;

export interface SharedClientConfig {
  region: string;
  endpoint?: string;
  /**
   * Always true: irsactl gives the SDK the endpoint that AWS_ENDPOINT_URL* in the passed env or the profile in use
   * configure, because the SDK would read process.env and the AWS_PROFILE profile's, even for another --profile.
   */
  ignoreConfiguredEndpointUrls: true;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | AwsCredentialIdentityProvider;
  profile?: string;
  maxAttempts: number;
  retryMode: 'standard' | 'adaptive';
  customUserAgent: string;
  requestHandler: ReturnType<typeof awsRequestHandler>;
}

export const nonEmpty = (value: string | undefined): string | undefined =>
  value !== undefined && value.trim() !== '' ? value.trim() : undefined;

export function endpointFor(service: AwsService, env: Record<string, string | undefined>): string | undefined {
  return nonEmpty(env[`AWS_ENDPOINT_URL_${service}`]) ?? nonEmpty(env.AWS_ENDPOINT_URL);
}

/** A retry setting as the SDK reads it: the environment variable, else the profile's key. */
function retrySetting(opts: AwsOptions, envName: string, profileKey: 'max_attempts' | 'retry_mode'): { value: string; where: string } | undefined {
  const fromEnv = nonEmpty(opts.env[envName]);
  if (fromEnv !== undefined) return { value: fromEnv, where: envName };
  const fromProfile = nonEmpty(opts.profileRetry?.[profileKey]);
  return fromProfile !== undefined ? { value: fromProfile, where: `the profile's ${profileKey}` } : undefined;
}

function maxAttemptsFrom(opts: AwsOptions): number {
  if (opts.maxAttempts !== undefined) return opts.maxAttempts;
  const given = retrySetting(opts, 'AWS_MAX_ATTEMPTS', 'max_attempts');
  if (given === undefined) return DEFAULT_MAX_ATTEMPTS;
  const attempts = Number(given.value);
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new IrsaError('USAGE', `${given.where} = ${given.value} is not a whole number of attempts of 1 or more`, {
      hint: `set ${given.where} to e.g. 8 (one attempt and up to 7 retries), or remove it`,
    });
  }
  return attempts;
}

/** The user's AWS_RETRY_MODE, else eksctl's choice: adaptive for CloudFormation (it absorbs throttling when many stacks are created at once), standard for the rest. */
function retryModeFrom(service: AwsService, opts: AwsOptions): 'standard' | 'adaptive' {
  if (opts.retryMode !== undefined) return opts.retryMode;
  const given = retrySetting(opts, 'AWS_RETRY_MODE', 'retry_mode');
  // The JS SDK has no legacy mode; it retries "legacy" as standard, and so does irsactl.
  if (given?.value === 'standard' || given?.value === 'legacy') return 'standard';
  if (given?.value === 'adaptive') return 'adaptive';
  if (given !== undefined) {
    throw new IrsaError('USAGE', `${given.where} = ${given.value} is not a retry mode: standard, adaptive or legacy`, { hint: `fix or remove ${given.where}` });
  }
  return service === 'CLOUDFORMATION' ? 'adaptive' : 'standard';
}


/**
 * Static keys from the given environment, unless --profile was given: a profile the user names wins over keys
 * that happen to be in the environment (as with the aws CLI). The AWS clients and the EKS token both use this,
 * so they always act as one identity.
 */
export function staticCredentials(
  env: Record<string, string | undefined>,
  profile: string | undefined,
): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined {
  if (profile !== undefined) return undefined;
  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  const sessionToken = nonEmpty(env.AWS_SESSION_TOKEN);
  if (accessKeyId === undefined || secretAccessKey === undefined) return undefined;
  return { accessKeyId, secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}) };
}

export function clientConfig(service: AwsService, opts: AwsOptions): SharedClientConfig {
  const endpoint = opts.configuredEndpoints !== undefined ? opts.configuredEndpoints[service] : endpointFor(service, opts.env);
  const credentials = opts.credentials ?? staticCredentials(opts.env, opts.profile);
  return {
    region: opts.region,
    ...(endpoint !== undefined ? { endpoint } : {}),
    ignoreConfiguredEndpointUrls: true,
    ...(credentials !== undefined ? { credentials } : {}),
    // The profile also carries settings other than credentials (endpoint_url, services).
    ...(opts.profile !== undefined ? { profile: opts.profile } : {}),
    maxAttempts: maxAttemptsFrom(opts),
    retryMode: retryModeFrom(service, opts),
    customUserAgent: USER_AGENT,
    requestHandler: awsRequestHandler(service, opts),
  };
}

/** What the adapters need to know about an SDK (or network) error. */
export interface AwsErrorFacts {
  name: string;
  message: string;
  httpStatus?: number;
}

export function awsErrorFacts(err: unknown): AwsErrorFacts {
  if (typeof err !== 'object' || err === null) return { name: 'Error', message: String(err) };
  const record = err as Record<string, unknown>;
  const name = typeof record.name === 'string' ? record.name : 'Error';
  const message = typeof record.message === 'string' ? record.message : '';
  const metadata = record.$metadata;
  const status =
    typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>).httpStatusCode : undefined;
  return { name, message, ...(typeof status === 'number' ? { httpStatus: status } : {}) };
}

/** Matches both the modelled exception name and the bare error code (NoSuchEntity vs NoSuchEntityException). */
export function isAwsError(err: unknown, ...codes: string[]): boolean {
  const { name } = awsErrorFacts(err);
  return codes.some((code) => name === code || name === `${code}Exception`);
}

export function toIrsaError(operation: string, err: unknown): IrsaError {
  if (err instanceof IrsaError) return err;
  const { name, message, httpStatus } = awsErrorFacts(err);
  // moto (and some AWS errors) carry no useful text; the error name is then the message.
  const unnamed = message === '' || message === 'Unknown' || message === 'UnknownError';
  const text = unnamed ? name : message;
  const raw = rawAnswerSentence(operation, err, { name, message, unnamed, ...(httpStatus !== undefined ? { httpStatus } : {}) });
  if (raw !== undefined) {
    return new IrsaError('AWS', raw, {
      cause: err,
      ...(httpStatus !== undefined ? { httpStatus } : {}),
      hint: 'something between irsactl and AWS may have answered instead (a proxy, a captive portal, AWS_ENDPOINT_URL): check HTTPS_PROXY, NO_PROXY and the endpoint, then run the same command again',
    });
  }
  const hint = hintFor(name, text, httpStatus);
  return new IrsaError('AWS', `${operation} failed: ${text}`, {
    cause: err,
    // a code only for a service's answer, not for a network or SDK-side error
    ...(httpStatus !== undefined ? { httpStatus, awsCode: name.replace(/Exception$/, '') } : {}),
    ...(hint !== undefined ? { hint } : {}),
  });
}

/** The SDK's words for a body it could not parse (JSON.parse's, and its XML parser's). */
const DESERIALIZATION = /Deserialization error|XML parse error|char '<' is not expected|Unexpected token|is not valid JSON|Unexpected end of JSON/i;
const FIRST_LINE_MAX = 160;

/** The page's title, else its first non-empty line, cut short, on one line and without control characters. */
function firstLineOf(body: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1]?.trim();
  const line = title || (body.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '') ?? '');
  const cut = line.length > FIRST_LINE_MAX ? `${line.slice(0, FIRST_LINE_MAX)}…` : line;
  return singleLine(cut);
}

function answerOf(err: unknown): { answer?: Answer; body?: string } {
  if (typeof err !== 'object' || err === null) return {};
  const record = err as Record<string | symbol, unknown>;
  const response = record.$response;
  const answer = typeof response === 'object' && response !== null ? ((response as Record<symbol, unknown>)[ANSWER] as Answer | undefined) : undefined;
  const bodyText = typeof record.$responseBodyText === 'string' ? record.$responseBodyText : undefined;
  const body = answer?.body ?? bodyText;
  return { ...(answer !== undefined ? { answer } : {}), ...(body !== undefined ? { body } : {}) };
}

/**
 * An answer that is not the service's (an HTML page from a proxy, a truncated or malformed body) as one sentence:
 * the service, the operation, the HTTP status and the body's first line; undefined for the service's own errors.
 */
function rawAnswerSentence(
  operation: string,
  err: unknown,
  facts: { name: string; message: string; unnamed: boolean; httpStatus?: number },
): string | undefined {
  const { answer, body } = answerOf(err);
  const html = /html/i.test(answer?.contentType ?? '') || /^\s*<(!doctype|html)/i.test(body ?? '');
  const unparsed = DESERIALIZATION.test(facts.message) || facts.name === 'SyntaxError' || facts.name === FOREIGN_ANSWER_ERROR;
  if (!unparsed && !(facts.unnamed && body !== undefined && (html || body.trim() === '' || !/^\s*[<{]/.test(body)))) return undefined;
  const service = answer?.service ?? 'AWS';
  const status = facts.httpStatus !== undefined ? `HTTP ${facts.httpStatus}` : 'an answer';
  const xmlDetail = /XML parse error: ([^\n]*)/.exec(facts.message)?.[1];
  const what = html
    ? 'an HTML page, not an AWS response'
    : unparsed
      ? `a body irsactl could not read as ${service === 'EKS' || /JSON/.test(facts.message) ? 'JSON' : 'XML'}${xmlDetail !== undefined ? ` (${singleLine(xmlDetail)})` : ''}`
      : 'a body that is not an AWS response';
  const first = body !== undefined ? firstLineOf(body) : '';
  return `${operation} failed: ${service} answered ${status} with ${what}${first !== '' ? `: ${first}` : body !== undefined ? ' (the body is empty)' : ''}`;
}

/** The next step for the AWS failures a user can fix from their side. */
function hintFor(name: string, text: string, httpStatus: number | undefined): string | undefined {
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(text)) {
    return 'give irsactl AWS credentials: --profile (or AWS_PROFILE), AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or `aws sso login` for an SSO profile';
  }
  if (/ExpiredToken|security token included in the request is (expired|invalid)/i.test(`${name} ${text}`)) {
    return 'the AWS session has expired: refresh the credentials (e.g. `aws sso login`) and run the same command again';
  }
  if (/ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|getaddrinfo/.test(text)) {
    return 'AWS could not be reached: check the network and proxy settings, the region, and AWS_ENDPOINT_URL if it is set';
  }
  if (httpStatus === 403 || /AccessDenied|UnauthorizedOperation/.test(name)) {
    return 'the identity lacks an IAM permission: the message above names the action';
  }
  return undefined;
}

/** Runs one SDK call and maps its failure to IrsaError AWS. */
export async function awsCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toIrsaError(operation, err);
  }
}

export const tagsToRecord = (tags: readonly { Key?: string; Value?: string }[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key as string, t.Value ?? '']));

export const recordToTags = (tags: Record<string, string>): { Key: string; Value: string }[] =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
