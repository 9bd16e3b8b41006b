import {
  CreatePodIdentityAssociationCommand,
  DeletePodIdentityAssociationCommand,
  DescribeAddonCommand,
  DescribeClusterCommand,
  DescribeFargateProfileCommand,
  DescribePodIdentityAssociationCommand,
  EKSClient,
  ListFargateProfilesCommand,
  ListPodIdentityAssociationsCommand,
  TagResourceCommand,
  UpdatePodIdentityAssociationCommand,
  type PodIdentityAssociation,
} from '@aws-sdk/client-eks';
import { IrsaError } from '../errors.js';
import type { ClusterInfo, EksPort, FargateProfileInfo, PodIdentityAssociationInfo, PodIdentityAssociationSummary } from './ports.js';
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
        autoMode: cluster.computeConfig?.enabled === true,
      };
    },

    async tagResource(arn: string, tags: Record<string, string>): Promise<void> {
      await awsCall('TagResource', () => client.send(new TagResourceCommand({ resourceArn: arn, tags })));
    },

    async describeAddon(cluster, addonName) {
      try {
        const out = await client.send(new DescribeAddonCommand({ clusterName: cluster, addonName }));
        return { name: out.addon?.addonName ?? addonName, status: out.addon?.status ?? 'UNKNOWN', ...(out.addon?.addonVersion ? { version: out.addon.addonVersion } : {}) };
      } catch (err) {
        if (isAwsError(err, 'ResourceNotFound')) return undefined;
        throw toIrsaError('DescribeAddon', err);
      }
    },

    async listFargateProfiles(cluster) {
      const names: string[] = [];
      let nextToken: string | undefined;
      do {
        const out = await awsCall('ListFargateProfiles', () => client.send(new ListFargateProfilesCommand({ clusterName: cluster, ...(nextToken !== undefined ? { nextToken } : {}) })));
        names.push(...(out.fargateProfileNames ?? []));
        nextToken = out.nextToken;
      } while (nextToken);
      const profiles: FargateProfileInfo[] = [];
      for (const name of names) {
        const out = await awsCall('DescribeFargateProfile', () => client.send(new DescribeFargateProfileCommand({ clusterName: cluster, fargateProfileName: name })));
        const p = out.fargateProfile;
        profiles.push({
          name,
          status: p?.status ?? 'UNKNOWN',
          selectors: (p?.selectors ?? []).map((s) => ({ namespace: s.namespace ?? '', labels: { ...(s.labels ?? {}) } })),
        });
      }
      return profiles;
    },

    async listPodIdentityAssociations(cluster, filter = {}) {
      const found: PodIdentityAssociationSummary[] = [];
      let nextToken: string | undefined;
      do {
        const out = await awsCall('ListPodIdentityAssociations', () =>
          client.send(
            new ListPodIdentityAssociationsCommand({
              clusterName: cluster,
              ...(filter.namespace !== undefined ? { namespace: filter.namespace } : {}),
              ...(filter.serviceAccount !== undefined ? { serviceAccount: filter.serviceAccount } : {}),
              ...(nextToken !== undefined ? { nextToken } : {}),
            }),
          ),
        );
        for (const a of out.associations ?? []) {
          if (a.associationId === undefined || a.namespace === undefined || a.serviceAccount === undefined) continue;
          found.push({
            associationId: a.associationId,
            associationArn: a.associationArn ?? '',
            namespace: a.namespace,
            serviceAccount: a.serviceAccount,
            ...(a.ownerArn ? { ownerArn: a.ownerArn } : {}),
          });
        }
        nextToken = out.nextToken;
      } while (nextToken);
      return found;
    },

    async describePodIdentityAssociation(cluster, associationId) {
      try {
        const out = await client.send(new DescribePodIdentityAssociationCommand({ clusterName: cluster, associationId }));
        return associationInfo(out.association, 'DescribePodIdentityAssociation');
      } catch (err) {
        if (isAwsError(err, 'ResourceNotFound')) return undefined;
        throw toIrsaError('DescribePodIdentityAssociation', err);
      }
    },

    async createPodIdentityAssociation(input) {
      try {
        const out = await client.send(
          new CreatePodIdentityAssociationCommand({
            clusterName: input.cluster,
            namespace: input.namespace,
            serviceAccount: input.serviceAccount,
            roleArn: input.roleArn,
            ...(input.targetRoleArn !== undefined ? { targetRoleArn: input.targetRoleArn } : {}),
            ...(input.disableSessionTags !== undefined ? { disableSessionTags: input.disableSessionTags } : {}),
            ...(input.policy !== undefined ? { policy: input.policy } : {}),
            ...(Object.keys(input.tags).length > 0 ? { tags: input.tags } : {}),
          }),
        );
        return associationInfo(out.association, 'CreatePodIdentityAssociation');
      } catch (err) {
        if (isAwsError(err, 'ResourceInUse')) return 'exists';
        throw toIrsaError('CreatePodIdentityAssociation', err);
      }
    },

    async updatePodIdentityAssociation(cluster, associationId, fields) {
      const out = await awsCall('UpdatePodIdentityAssociation', () =>
        client.send(
          new UpdatePodIdentityAssociationCommand({
            clusterName: cluster,
            associationId,
            ...(fields.roleArn !== undefined ? { roleArn: fields.roleArn } : {}),
            ...(fields.targetRoleArn !== undefined ? { targetRoleArn: fields.targetRoleArn } : {}),
            ...(fields.disableSessionTags !== undefined ? { disableSessionTags: fields.disableSessionTags } : {}),
            ...(fields.policy !== undefined ? { policy: fields.policy } : {}),
          }),
        ),
      );
      return associationInfo(out.association, 'UpdatePodIdentityAssociation');
    },

    async deletePodIdentityAssociation(cluster, associationId) {
      try {
        await client.send(new DeletePodIdentityAssociationCommand({ clusterName: cluster, associationId }));
        return 'deleted';
      } catch (err) {
        if (isAwsError(err, 'ResourceNotFound')) return 'absent';
        throw toIrsaError('DeletePodIdentityAssociation', err);
      }
    },
  };
}

function associationInfo(a: PodIdentityAssociation | undefined, operation: string): PodIdentityAssociationInfo {
  if (a?.associationId === undefined || a.namespace === undefined || a.serviceAccount === undefined || a.roleArn === undefined) {
    throw new IrsaError('AWS', `${operation} failed: unexpected answer (no association, or one without its id, namespace, service account or role)`);
  }
  return {
    associationId: a.associationId,
    associationArn: a.associationArn ?? '',
    namespace: a.namespace,
    serviceAccount: a.serviceAccount,
    roleArn: a.roleArn,
    ...(a.ownerArn ? { ownerArn: a.ownerArn } : {}),
    // EKS answers "" for an association without a target role
    ...(a.targetRoleArn ? { targetRoleArn: a.targetRoleArn } : {}),
    ...(a.externalId ? { externalId: a.externalId } : {}),
    ...(a.disableSessionTags !== undefined ? { disableSessionTags: a.disableSessionTags } : {}),
    ...(a.policy ? { policy: a.policy } : {}),
    tags: { ...(a.tags ?? {}) },
  };
}
