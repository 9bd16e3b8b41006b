import yaml from 'js-yaml';

/** One service account of a test ClusterConfig: `<ns>/<name>`, its policy ARNs, any other eksctl fields. */
export interface ConfigAccount {
  id: string;
  policies?: string[];
  extra?: Record<string, unknown>;
}

export const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';

/** An eksctl ClusterConfig with `iam.withOIDC: true` and these service accounts (S3 read-only unless given). */
export function clusterConfigYaml(cluster: string, region: string, accounts: ConfigAccount[]): string {
  return yaml.dump({
    apiVersion: 'eksctl.io/v1alpha5',
    kind: 'ClusterConfig',
    metadata: { name: cluster, region },
    iam: {
      withOIDC: true,
      serviceAccounts: accounts.map((a) => {
        const [namespace, name] = a.id.split('/');
        return { metadata: { namespace, name }, attachPolicyARNs: a.policies ?? [S3_READ], ...a.extra };
      }),
    },
  });
}
