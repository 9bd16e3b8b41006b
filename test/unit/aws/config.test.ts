import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { awsErrorFacts, clientConfig, endpointFor, toIrsaError } from '../../../src/aws/config.js';
import { ANSWER } from '../../../src/aws/request-handler.js';
import { parseClusterArn } from '../../../src/aws/eks.js';
import { resolveRegion } from '../../../src/aws/factory.js';
import { readSharedConfig } from '../../../src/aws/shared-config.js';
import { decodePolicyDocument, providerUrlWithoutPort } from '../../../src/aws/iam.js';
import { IrsaError } from '../../../src/errors.js';

describe('clientConfig', () => {
  const base = { region: 'us-west-2', env: {} };

  it('takes the per-service endpoint before the general one, from the passed env only', () => {
    const env = { AWS_ENDPOINT_URL: 'http://all', AWS_ENDPOINT_URL_IAM: 'http://iam' };
    expect(endpointFor('IAM', env)).toBe('http://iam');
    expect(endpointFor('EKS', env)).toBe('http://all');
    expect(clientConfig('CLOUDFORMATION', { ...base, env: { AWS_ENDPOINT_URL_CLOUDFORMATION: 'http://cfn' } })).toMatchObject({
      endpoint: 'http://cfn',
    });
    const none = clientConfig('STS', base);
    expect(none.endpoint).toBeUndefined();
    // The profile's endpoints come resolved (readSharedConfig), and then they alone decide.
    expect(clientConfig('IAM', { ...base, env: { AWS_ENDPOINT_URL: 'http://all' }, configuredEndpoints: { IAM: 'http://profile-iam' } }).endpoint).toBe('http://profile-iam');
    expect(clientConfig('EKS', { ...base, configuredEndpoints: {} }).endpoint).toBeUndefined();
    expect(none.ignoreConfiguredEndpointUrls).toBe(true);
  });

  it('uses static keys from env, unless --profile names another identity (then the profile wins, in both the clients and the EKS token)', async () => {
    const env = { AWS_ACCESS_KEY_ID: 'AK', AWS_SECRET_ACCESS_KEY: 'SK', AWS_SESSION_TOKEN: 'ST' };
    const cfg = clientConfig('EKS', { ...base, env });
    expect(cfg.credentials).toEqual({ accessKeyId: 'AK', secretAccessKey: 'SK', sessionToken: 'ST' });
    expect(cfg.profile).toBeUndefined();
    const viaProfile = clientConfig('EKS', { ...base, profile: 'p', env });
    expect(viaProfile.credentials).toBeUndefined();
    expect(viaProfile.profile).toBe('p');
    const incomplete = clientConfig('EKS', { ...base, env: { AWS_ACCESS_KEY_ID: 'AK' } });
    expect(incomplete.credentials).toBeUndefined();
    // The run's provider, which the EKS token also signs with, makes the same choice and is what the clients get.
    const { credentialProvider } = await import('../../../src/aws/credentials.js');
    const provider = credentialProvider({ env, region: 'us-west-2' });
    expect(await provider()).toEqual({ accessKeyId: 'AK', secretAccessKey: 'SK', sessionToken: 'ST' });
    expect(clientConfig('EKS', { ...base, env, credentials: provider }).credentials).toBe(provider);
  });

  it('retries: adaptive for CloudFormation, standard otherwise, 8 attempts, unless AWS_RETRY_MODE / AWS_MAX_ATTEMPTS say', () => {
    expect(clientConfig('CLOUDFORMATION', base)).toMatchObject({ retryMode: 'adaptive', maxAttempts: 8, customUserAgent: 'irsactl/0.1.0' });
    expect(clientConfig('IAM', base)).toMatchObject({ retryMode: 'standard', maxAttempts: 8 });
    expect(clientConfig('IAM', { ...base, env: { AWS_MAX_ATTEMPTS: '3' } }).maxAttempts).toBe(3);
    expect(clientConfig('CLOUDFORMATION', { ...base, env: { AWS_RETRY_MODE: 'standard' } }).retryMode).toBe('standard');
    expect(clientConfig('CLOUDFORMATION', { ...base, env: { AWS_RETRY_MODE: 'legacy' } }).retryMode).toBe('standard');
    expect(clientConfig('IAM', { ...base, env: { AWS_RETRY_MODE: 'adaptive' } }).retryMode).toBe('adaptive');
    for (const env of [{ AWS_MAX_ATTEMPTS: 'x' }, { AWS_MAX_ATTEMPTS: '0' }, { AWS_RETRY_MODE: 'fast' }]) {
      expect(() => clientConfig('IAM', { ...base, env }), JSON.stringify(env)).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringMatching(/^AWS_(MAX_ATTEMPTS|RETRY_MODE) = /) }));
    }
    // The profile's max_attempts and retry_mode come next, below the environment.
    const profileRetry = { max_attempts: '4', retry_mode: 'standard' };
    expect(clientConfig('CLOUDFORMATION', { ...base, profileRetry })).toMatchObject({ maxAttempts: 4, retryMode: 'standard' });
    expect(clientConfig('CLOUDFORMATION', { ...base, profileRetry, env: { AWS_MAX_ATTEMPTS: '2', AWS_RETRY_MODE: 'adaptive' } })).toMatchObject({ maxAttempts: 2, retryMode: 'adaptive' });
    expect(() => clientConfig('IAM', { ...base, profileRetry: { max_attempts: 'many' } })).toThrow("the profile's max_attempts = many");
    expect(clientConfig('CLOUDFORMATION', { ...base, env: { AWS_MAX_ATTEMPTS: '3' }, maxAttempts: 2, retryMode: 'standard' })).toMatchObject({
      maxAttempts: 2,
      retryMode: 'standard',
    });
  });
});

describe('error mapping', () => {
  it('names the operation and keeps status and cause', () => {
    const sdkError = Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });
    const mapped = toIrsaError('DescribeStacks', sdkError);
    expect(mapped).toBeInstanceOf(IrsaError);
    expect(mapped).toMatchObject({ code: 'AWS', message: 'DescribeStacks failed: Rate exceeded', httpStatus: 400, cause: sdkError });
  });

  it('falls back to the error name when the message says nothing', () => {
    expect(toIrsaError('X', Object.assign(new Error('Unknown'), { name: 'EntityAlreadyExists' })).message).toBe('X failed: EntityAlreadyExists');
    expect(awsErrorFacts('boom')).toEqual({ name: 'Error', message: 'boom' });
  });

  it('reads an answer that is not AWS\'s as one sentence: service, operation, status, first line, escaped', () => {
    const response = (service: string, contentType: string, body?: string) =>
      Object.defineProperty({}, ANSWER, { value: { service, contentType, ...(body !== undefined ? { body } : {}) } });
    // CloudFormation's query protocol finds no error code in an HTML page and says "Unknown".
    const page = '<html>\r\n<head><title>502 Bad Gateway</title></head></html>';
    const unknown = Object.assign(new Error('Unknown'), { name: 'Unknown', $metadata: { httpStatusCode: 502 }, $response: response('CloudFormation', 'text/html', page) });
    expect(toIrsaError('ListStacks', unknown)).toMatchObject({
      code: 'AWS',
      httpStatus: 502,
      message: 'ListStacks failed: CloudFormation answered HTTP 502 with an HTML page, not an AWS response: 502 Bad Gateway',
    });
    expect(toIrsaError('ListStacks', unknown).hint).toContain('HTTPS_PROXY');
    // EKS's JSON parser, on a page without a title: its first non-empty line, control characters shown.
    const syntax = Object.assign(new SyntaxError('Unexpected token \'<\', "<html>\r\n<h"... is not valid JSON\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.'), {
      $metadata: { httpStatusCode: 200 },
      $response: response('EKS', 'application/json', '\n\n  <p>blocked\x1b]52;c;eA==\x07</p>\nmore'),
    });
    expect(toIrsaError('DescribeCluster', syntax).message).toBe('DescribeCluster failed: EKS answered HTTP 200 with a body irsactl could not read as JSON: <p>blocked\\x1b]52;c;eA==\\x07</p>');
    // The XML parser's own detail, and the body the SDK kept in $responseBodyText; a long line is cut short.
    const xml = Object.assign(new Error('@aws-sdk XML parse error: char \'<\' is not expected.:1:1\n  Deserialization error: …'), {
      $metadata: { httpStatusCode: 200 },
      $responseBodyText: `<<${'x'.repeat(300)}`,
    });
    expect(toIrsaError('GetRole', xml).message).toBe(`GetRole failed: AWS answered HTTP 200 with a body irsactl could not read as XML (char '<' is not expected.:1:1): <<${'x'.repeat(158)}…`);
    // An empty 503 body.
    const empty = Object.assign(new Error('Unknown'), { name: 'Unknown', $metadata: { httpStatusCode: 503 }, $response: response('IAM', '', '') });
    expect(toIrsaError('GetRole', empty).message).toBe('GetRole failed: IAM answered HTTP 503 with a body that is not an AWS response (the body is empty)');
    // AWS's own XML error, even with an empty message, stays as it was.
    const own = Object.assign(new Error(''), { name: 'NoSuchEntity', $metadata: { httpStatusCode: 404 }, $response: response('IAM', 'text/xml', '<ErrorResponse><Error><Code>NoSuchEntity</Code></Error></ErrorResponse>') });
    expect(toIrsaError('GetRole', own)).toMatchObject({ message: 'GetRole failed: NoSuchEntity', awsCode: 'NoSuchEntity' });
  });

  it('passes an IrsaError through', () => {
    const original = new IrsaError('NOT_FOUND', 'gone');
    expect(toIrsaError('X', original)).toBe(original);
  });
});

describe('ARN, URL and policy helpers', () => {
  it('parses cluster ARNs in every partition', () => {
    expect(parseClusterArn('arn:aws-cn:eks:cn-north-1:123456789012:cluster/a/b')).toEqual({ partition: 'aws-cn', region: 'cn-north-1', accountId: '123456789012' });
    expect(parseClusterArn('arn:aws:iam::123456789012:role/x')).toBeUndefined();
  });

  it('drops the port from a provider URL', () => {
    expect(providerUrlWithoutPort('https://oidc.eks.us-west-2.amazonaws.com:443/id/ABC')).toBe('https://oidc.eks.us-west-2.amazonaws.com/id/ABC');
    expect(providerUrlWithoutPort('oidc.example.com/id/X')).toBe('https://oidc.example.com/id/X');
  });

  it('decodes URL-encoded policy documents', () => {
    expect(decodePolicyDocument(encodeURIComponent('{"Version":"2012-10-17","Statement":[]}'))).toEqual({ Version: '2012-10-17', Statement: [] });
    expect(decodePolicyDocument('{"a":"100%"}')).toEqual({ a: '100%' });
  });
});

describe('readSharedConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'irsactl-shared-'));
  const configFile = join(dir, 'config');
  writeFileSync(
    configFile,
    [
      '[default]',
      'endpoint_url = http://default-all',
      '[profile dev]',
      'endpoint_url = http://dev-all',
      'services = local',
      'max_attempts = 5',
      'retry_mode = adaptive',
      '[services local]',
      'iam =',
      '  endpoint_url = http://dev-iam',
      '[profile quiet]',
      'endpoint_url = http://quiet',
      'ignore_configured_endpoint_urls = true',
      '[profile broken]',
      'services = nowhere',
      '',
    ].join('\n'),
  );
  const credentialsFile = join(dir, 'credentials');
  writeFileSync(credentialsFile, '[keys-only]\naws_access_key_id = AK\naws_secret_access_key = SK\n');
  const files = { AWS_CONFIG_FILE: configFile, AWS_SHARED_CREDENTIALS_FILE: credentialsFile };

  it("takes the endpoints of the profile in use, not AWS_PROFILE's when --profile names another", async () => {
    expect((await readSharedConfig(files, undefined)).endpoints).toEqual({ CLOUDFORMATION: 'http://default-all', IAM: 'http://default-all', EKS: 'http://default-all', STS: 'http://default-all', EKS_AUTH: 'http://default-all' });
    expect((await readSharedConfig({ ...files, AWS_PROFILE: 'quiet' }, 'dev')).endpoints).toEqual({ CLOUDFORMATION: 'http://dev-all', IAM: 'http://dev-iam', EKS: 'http://dev-all', STS: 'http://dev-all', EKS_AUTH: 'http://dev-all' });
    expect((await readSharedConfig({ ...files, AWS_PROFILE: 'dev' }, undefined)).endpoints.IAM).toBe('http://dev-iam');
    expect((await readSharedConfig(files, 'dev')).retry).toEqual({ max_attempts: '5', retry_mode: 'adaptive' });
  });

  it('lets AWS_ENDPOINT_URL_<SERVICE> and AWS_ENDPOINT_URL win, and the ignore settings switch all of it off', async () => {
    const env = { ...files, AWS_ENDPOINT_URL: 'http://env-all', AWS_ENDPOINT_URL_EKS: 'http://env-eks' };
    expect((await readSharedConfig(env, 'dev')).endpoints).toEqual({ CLOUDFORMATION: 'http://env-all', IAM: 'http://env-all', EKS: 'http://env-eks', STS: 'http://env-all', EKS_AUTH: 'http://env-all' });
    expect((await readSharedConfig({ ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }, 'dev')).endpoints).toEqual({});
    expect((await readSharedConfig(files, 'quiet')).endpoints).toEqual({});
  });

  it('names a missing profile or services section and the files looked in', async () => {
    await expect(readSharedConfig(files, 'prod')).rejects.toMatchObject({
      code: 'USAGE',
      message: `profile "prod" (from --profile) is not in ${configFile} or ${credentialsFile}`,
    });
    await expect(readSharedConfig({ ...files, AWS_PROFILE: 'prod' }, undefined)).rejects.toMatchObject({ message: expect.stringContaining('(from AWS_PROFILE)') });
    await expect(readSharedConfig(files, 'broken')).rejects.toMatchObject({ message: expect.stringContaining('services section "nowhere"') });
    // A profile only in the credentials file exists; so does the default profile when no file has it.
    expect(await readSharedConfig(files, 'keys-only')).toEqual({ endpoints: {}, retry: {} });
    expect((await readSharedConfig({ AWS_CONFIG_FILE: join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') }, undefined)).endpoints).toEqual({});
  });
});

describe('resolveRegion', () => {
  const dir = mkdtempSync(join(tmpdir(), 'irsactl-region-'));
  const configFile = join(dir, 'config');
  writeFileSync(configFile, '[default]\nregion = eu-west-1\n\n[profile dev]\nregion = ap-southeast-2\n');
  const files = { AWS_CONFIG_FILE: configFile, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') };

  it('prefers the flag, then AWS_REGION, then AWS_DEFAULT_REGION', async () => {
    expect(await resolveRegion('us-east-1', undefined, { ...files, AWS_REGION: 'us-west-2' })).toBe('us-east-1');
    expect(await resolveRegion(undefined, undefined, { ...files, AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'us-east-2' })).toBe('us-west-2');
    expect(await resolveRegion(undefined, undefined, { ...files, AWS_DEFAULT_REGION: 'us-east-2' })).toBe('us-east-2');
  });

  it('then reads the profile region from the config file', async () => {
    expect(await resolveRegion(undefined, undefined, files)).toBe('eu-west-1');
    expect(await resolveRegion(undefined, 'dev', files)).toBe('ap-southeast-2');
    expect(await resolveRegion(undefined, undefined, { ...files, AWS_PROFILE: 'dev' })).toBe('ap-southeast-2');
    expect(await resolveRegion(undefined, 'nope', files)).toBeUndefined();
    expect(await resolveRegion(undefined, undefined, { AWS_CONFIG_FILE: join(dir, 'missing'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') })).toBeUndefined();
  });
});

describe('toIrsaError hints', () => {
  const err = (name: string, message: string, status?: number) =>
    Object.assign(new Error(message), { name, ...(status !== undefined ? { $metadata: { httpStatusCode: status } } : {}) });
  it('says how to fix missing or expired credentials, an unreachable AWS, and a missing permission', () => {
    expect(toIrsaError('DescribeCluster', err('CredentialsProviderError', 'Could not load credentials from any providers')).hint).toMatch(/--profile/);
    expect(toIrsaError('GetRole', err('ExpiredToken', 'The security token included in the request is expired', 403)).hint).toMatch(/expired/);
    expect(toIrsaError('DescribeCluster', err('Error', 'getaddrinfo ENOTFOUND eks.us-west-2.amazonaws.com')).hint).toMatch(/could not be reached/);
    expect(toIrsaError('CreateStack', err('AccessDenied', 'User x is not authorized to perform: cloudformation:CreateStack', 403)).hint).toMatch(/names the action/);
    expect(toIrsaError('CreateStack', err('ValidationError', 'Template format error', 400)).hint).toBeUndefined();
  });
});
