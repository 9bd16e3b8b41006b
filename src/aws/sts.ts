import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { IrsaError } from '../errors.js';
import type { CallerIdentity, StsPort } from './ports.js';
import { awsCall, clientConfig } from './config.js';
import { type AwsOptions } from './options.js';
import { stopWithRun } from './request-handler.js';

export function createStsPort(opts: AwsOptions): StsPort {
  const config = clientConfig('STS', opts);
  const client = new STSClient(config);
  stopWithRun(client, 'STS', opts);
  // The web-identity call is unsigned, so it needs no real credentials; placeholder keys keep
  // the SDK from walking its provider chain (files, IMDS) when none are configured.
  let webIdentityClient: STSClient | undefined;
  const unsignedClient = (): STSClient => {
    if (webIdentityClient === undefined) {
      webIdentityClient = new STSClient({
        ...config,
        credentials: config.credentials ?? { accessKeyId: 'irsactl-unsigned', secretAccessKey: 'irsactl-unsigned' },
      });
      stopWithRun(webIdentityClient, 'STS', opts);
    }
    return webIdentityClient;
  };
  return {
    async getCallerIdentity(): Promise<CallerIdentity> {
      const out = await awsCall('GetCallerIdentity', () => client.send(new GetCallerIdentityCommand({})));
      return { account: out.Account ?? '', arn: out.Arn ?? '', userId: out.UserId ?? '' };
    },

    async assumeRoleWithWebIdentity(input): Promise<{ assumedRoleArn: string; accountId: string }> {
      const out = await awsCall('AssumeRoleWithWebIdentity', () =>
        unsignedClient().send(
          new AssumeRoleWithWebIdentityCommand({ RoleArn: input.roleArn, WebIdentityToken: input.token, RoleSessionName: input.sessionName }),
        ),
      );
      const assumedRoleArn = out.AssumedRoleUser?.Arn;
      if (assumedRoleArn === undefined) throw new IrsaError('AWS', 'AssumeRoleWithWebIdentity failed: no assumed role in the answer');
      const accountId = /^arn:[^:]+:sts::(\d{12}):/.exec(assumedRoleArn)?.[1] ?? '';
      return { assumedRoleArn, accountId };
    },
  };
}
