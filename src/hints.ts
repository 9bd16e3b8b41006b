/** The exact commands irsactl tells users to run, built in one place so every message agrees. */

export function associateCommand(target: { cluster: string; region: string }): string {
  return `irsactl utils associate-iam-oidc-provider --cluster ${target.cluster} --region ${target.region} --approve`;
}
