import { DescribeClusterCommand, EKSClient, TagResourceCommand } from '@aws-sdk/client-eks';
import { IrsaError } from '../errors.js';
import type { ClusterInfo, EksPort } from './ports.js';
import { awsCall, clientConfig, isAwsError, toIrsaError } from './config.js';
import { type AwsOptions } from './options.js';
import { stopWithRun } from './request-handler.js';

interface ArnParts {
  partition: string;
  region: string;
  accountId: string;
}

/** Splits `arn:<partition>:eks:<region>:<account>:cluster/<name>`; undefined for anything else. */
export function parseClusterArn(arn: string): ArnParts | undefined {
  const match = /^arn:([^:]+):eks:([^:]*):(\d{12}):cluster\/.+$/.exec(arn);
  if (match === null) return undefined;
  return { partition: match[1], region: match[2], accountId: match[3] };
}

export function createEksPort(opts: AwsOptions): EksPort {
  const client = new EKSClient(clientConfig('EKS', opts));
  stopWithRun(client, 'EKS', opts);
  return {
    async describeCluster(name: string): Promise<ClusterInfo> {
      let out;
      try {
        out = await client.send(new DescribeClusterCommand({ name }));
      } catch (err) {
        if (isAwsError(err, 'ResourceNotFound')) {
          throw new IrsaError('NOT_FOUND', `cluster "${name}" not found in ${opts.region}`, {
            cause: err,
            hint: 'check --cluster and --region (or metadata.name/metadata.region)',
            httpStatus: 404,
          });
        }
        throw toIrsaError('DescribeCluster', err);
      }
      const cluster = out.cluster;
      const arn = cluster?.arn;
      const parts = arn !== undefined ? parseClusterArn(arn) : undefined;
      if (cluster === undefined || arn === undefined || parts === undefined) {
        throw new IrsaError('AWS', `DescribeCluster failed: unexpected answer for cluster "${name}" (ARN ${arn ?? 'missing'})`);
      }
      return {
        name: cluster.name ?? name,
        arn,
        partition: parts.partition,
        accountId: parts.accountId,
        region: parts.region !== '' ? parts.region : opts.region,
        status: cluster.status ?? 'UNKNOWN',
        ...(cluster.endpoint !== undefined ? { endpoint: cluster.endpoint } : {}),
        ...(cluster.certificateAuthority?.data !== undefined ? { certificateAuthorityData: cluster.certificateAuthority.data } : {}),
        ...(cluster.identity?.oidc?.issuer ? { oidcIssuer: cluster.identity.oidc.issuer } : {}),
        tags: { ...(cluster.tags ?? {}) },
        clockOffsetMs: client.config.systemClockOffset ?? 0,
      };
    },

    async tagResource(arn: string, tags: Record<string, string>): Promise<void> {
      await awsCall('TagResource', () => client.send(new TagResourceCommand({ resourceArn: arn, tags })));
    },
  };
}
