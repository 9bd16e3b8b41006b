import {
  AttachRolePolicyCommand,
  CreateOpenIDConnectProviderCommand,
  DeleteRolePermissionsBoundaryCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRolePolicyCommand,
  paginateListAttachedRolePolicies,
  paginateListRolePolicies,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  GetOpenIDConnectProviderCommand,
  GetPolicyCommand,
  GetRoleCommand,
  IAMClient,
  ListOpenIDConnectProvidersCommand,
} from '@aws-sdk/client-iam';
import { IrsaError } from '../errors.js';
import type { IamPort, OidcProviderInfo, RoleInfo } from './ports.js';
import { awsCall, clientConfig, isAwsError, recordToTags, tagsToRecord, toIrsaError } from './config.js';
import { type AwsOptions } from './options.js';
import { stopWithRun } from './request-handler.js';

/** IAM keys providers by host/path: a port (even :443) would end up in the ARN on moto, and never in AWS's. */
export function providerUrlWithoutPort(url: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(url) ? url : `https://${url}`;
  const parsed = new URL(withScheme);
  parsed.port = '';
  return parsed.toString().replace(/\/$/, '');
}

/** GetRole returns the trust policy URL-encoded (RFC 3986), as AWS documents. */
export function decodePolicyDocument(encoded: string): unknown {
  let text = encoded;
  try {
    text = decodeURIComponent(encoded);
  } catch {
    // Not encoded after all (some emulators); parse as is.
  }
  return JSON.parse(text);
}

/** Runs a Get* call; NoSuchEntity becomes undefined. */
async function getOrUndefined<T>(operation: string, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (isAwsError(err, 'NoSuchEntity')) return undefined;
    throw toIrsaError(operation, err);
  }
}

export function createIamPort(opts: AwsOptions): IamPort {
  const client = new IAMClient(clientConfig('IAM', opts));
  stopWithRun(client, 'IAM', opts);
  return {
    async getOidcProvider(arn: string): Promise<OidcProviderInfo | undefined> {
      const out = await getOrUndefined('GetOpenIDConnectProvider', () =>
        client.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn })),
      );
      if (out === undefined) return undefined;
      return {
        arn,
        url: out.Url ?? '',
        clientIds: out.ClientIDList ?? [],
        thumbprints: out.ThumbprintList ?? [],
        tags: tagsToRecord(out.Tags),
      };
    },

    async listOidcProviderArns(): Promise<string[]> {
      const out = await awsCall('ListOpenIDConnectProviders', () => client.send(new ListOpenIDConnectProvidersCommand({})));
      return (out.OpenIDConnectProviderList ?? []).flatMap((p) => (p.Arn !== undefined ? [p.Arn] : []));
    },

    async createOidcProvider(input): Promise<'created' | 'exists'> {
      let out;
      try {
        out = await client.send(
          new CreateOpenIDConnectProviderCommand({
            Url: providerUrlWithoutPort(input.url),
            ClientIDList: input.clientIds,
            // Optional in IAM: EKS issuers are trusted through IAM's own CA list.
            ...(input.thumbprints.length > 0 ? { ThumbprintList: input.thumbprints } : {}),
            ...(Object.keys(input.tags).length > 0 ? { Tags: recordToTags(input.tags) } : {}),
          }),
        );
      } catch (err) {
        if (isAwsError(err, 'EntityAlreadyExists')) return 'exists';
        throw toIrsaError('CreateOpenIDConnectProvider', err);
      }
      if (out.OpenIDConnectProviderArn === undefined) {
        throw new IrsaError('AWS', 'CreateOpenIDConnectProvider failed: no ARN in the answer');
      }
      return 'created';
    },

    async getRole(name: string): Promise<RoleInfo | undefined> {
      const out = await getOrUndefined('GetRole', () => client.send(new GetRoleCommand({ RoleName: name })));
      const role = out?.Role;
      if (role === undefined) return undefined;
      let trustPolicy: unknown;
      try {
        trustPolicy = role.AssumeRolePolicyDocument !== undefined ? decodePolicyDocument(role.AssumeRolePolicyDocument) : undefined;
      } catch (err) {
        throw new IrsaError('AWS', `GetRole failed: the trust policy of role "${name}" is not JSON`, { cause: err });
      }
      return {
        arn: role.Arn ?? '',
        name: role.RoleName ?? name,
        trustPolicy,
        ...(role.PermissionsBoundary?.PermissionsBoundaryArn !== undefined
          ? { permissionsBoundary: role.PermissionsBoundary.PermissionsBoundaryArn }
          : {}),
        tags: tagsToRecord(role.Tags),
      };
    },

    async listAttachedRolePolicyArns(role) {
      return awsCall('ListAttachedRolePolicies', async () => {
        const arns: string[] = [];
        for await (const page of paginateListAttachedRolePolicies({ client }, { RoleName: role })) {
          for (const p of page.AttachedPolicies ?? []) if (p.PolicyArn !== undefined) arns.push(p.PolicyArn);
        }
        return arns;
      });
    },

    async listRolePolicyNames(role) {
      return awsCall('ListRolePolicies', async () => {
        const names: string[] = [];
        for await (const page of paginateListRolePolicies({ client }, { RoleName: role })) names.push(...(page.PolicyNames ?? []));
        return names;
      });
    },

    async getRolePolicy(role, policyName) {
      const out = await awsCall('GetRolePolicy', () => client.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: policyName })));
      try {
        return decodePolicyDocument(out.PolicyDocument ?? '');
      } catch (err) {
        throw new IrsaError('AWS', `GetRolePolicy failed: inline policy "${policyName}" of role "${role}" is not JSON`, { cause: err });
      }
    },

    async updateAssumeRolePolicy(role, document) {
      await awsCall('UpdateAssumeRolePolicy', () => client.send(new UpdateAssumeRolePolicyCommand({ RoleName: role, PolicyDocument: JSON.stringify(document) })));
    },
    async attachRolePolicy(role, arn) {
      await awsCall('AttachRolePolicy', () => client.send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn: arn })));
    },
    async detachRolePolicy(role, arn) {
      await awsCall('DetachRolePolicy', () => client.send(new DetachRolePolicyCommand({ RoleName: role, PolicyArn: arn })));
    },
    async putRolePolicy(role, policyName, document) {
      await awsCall('PutRolePolicy', () =>
        client.send(new PutRolePolicyCommand({ RoleName: role, PolicyName: policyName, PolicyDocument: JSON.stringify(document) })),
      );
    },
    async deleteRolePolicy(role, policyName) {
      await awsCall('DeleteRolePolicy', () => client.send(new DeleteRolePolicyCommand({ RoleName: role, PolicyName: policyName })));
    },
    async putRolePermissionsBoundary(role, arn) {
      await awsCall('PutRolePermissionsBoundary', () => client.send(new PutRolePermissionsBoundaryCommand({ RoleName: role, PermissionsBoundary: arn })));
    },
    async deleteRolePermissionsBoundary(role) {
      await awsCall('DeleteRolePermissionsBoundary', () => client.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: role })));
    },
    async tagRole(role, tags) {
      await awsCall('TagRole', () => client.send(new TagRoleCommand({ RoleName: role, Tags: recordToTags(tags) })));
    },
    async untagRole(role, keys) {
      await awsCall('UntagRole', () => client.send(new UntagRoleCommand({ RoleName: role, TagKeys: keys })));
    },

    async policyExists(arn: string): Promise<boolean> {
      return (await getOrUndefined('GetPolicy', () => client.send(new GetPolicyCommand({ PolicyArn: arn })))) !== undefined;
    },
  };
}
