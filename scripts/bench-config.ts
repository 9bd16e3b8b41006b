/** The bench's ClusterConfig: `count` service accounts over `namespaces` namespaces, a third with a well-known policy. */
export function clusterConfig(cluster: string, count: number, namespaces: number, prefix = 'sa', region = 'us-west-2'): string {
  const lines = Array.from({ length: count }, (_, i) => {
    const policy = i % 3 === 0 ? '\n    wellKnownPolicies: {autoScaler: true}' : '\n    attachPolicyARNs: [arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess]';
    return `  - metadata: {namespace: ns-${i % namespaces}, name: ${prefix}-${i}, labels: {team: t${i % 7}}}${policy}`;
  });
  return `apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: {name: ${cluster}, region: ${region}}\niam:\n  withOIDC: true\n  serviceAccounts:\n${lines.join('\n')}\n`;
}
