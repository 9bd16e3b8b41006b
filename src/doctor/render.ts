import type { CheckId, CheckResult, CheckStatus } from './facts.js';
import { isHealthy } from './checks.js';
import { singleLine } from '../output/terminal.js';
import { MECHANISM_LABEL, type Mechanism } from '../model/mechanism.js';

// The doctor's report as plain data (the -o json schema) and as a text checklist.

export interface ServiceAccountReport {
  namespace: string;
  name: string;
  /** the eks.amazonaws.com/role-arn annotation; null when absent */
  roleArn: string | null;
  /** what the pods get: an association wins over the annotation */
  mechanism: Mechanism;
  /** the ServiceAccount's Pod Identity association; null when none */
  podIdentityAssociationId: string | null;
  checks: CheckResult[];
  healthy: boolean;
}

export interface DoctorReport {
  cluster: string;
  region: string;
  serviceAccounts: ServiceAccountReport[];
  summary: { total: number; healthy: number; withProblems: number; warnings: number };
}

export function buildReport(cluster: string, region: string, serviceAccounts: Omit<ServiceAccountReport, 'healthy'>[]): DoctorReport {
  const sas = serviceAccounts.map((sa) => ({ ...sa, healthy: isHealthy(sa.checks) }));
  const healthy = sas.filter((s) => s.healthy).length;
  return {
    cluster,
    region,
    serviceAccounts: sas,
    summary: {
      total: sas.length,
      healthy,
      withProblems: sas.length - healthy,
      warnings: sas.reduce((n, s) => n + s.checks.filter((c) => c.status === 'warn').length, 0),
    },
  };
}

/** JSON with every key always present (fix: null), so CI scripts can rely on the shape. */
export function reportToJson(report: DoctorReport): unknown {
  return {
    cluster: report.cluster,
    region: report.region,
    serviceAccounts: report.serviceAccounts.map((sa) => ({
      namespace: sa.namespace,
      name: sa.name,
      roleArn: sa.roleArn,
      mechanism: sa.mechanism,
      podIdentityAssociationId: sa.podIdentityAssociationId,
      checks: sa.checks.map((c) => ({ id: c.id, status: c.status, message: c.message, fix: c.fix ?? null })),
      healthy: sa.healthy,
    })),
    summary: report.summary,
  };
}

const ICON: Record<CheckStatus, string> = { pass: '✔', fail: '✖', warn: '!', skip: '-' };
const LABEL: Record<CheckId, string> = {
  mechanism: 'mechanism',
  'oidc-provider': 'OIDC provider',
  'service-account': 'ServiceAccount and role',
  'trust-policy': 'trust policy',
  'webhook-annotations': 'webhook annotations',
  pods: 'pods',
  live: 'live test',
  'well-known-policies': 'well-known policies',
  'pod-identity-association': 'association and role',
  'pod-identity-trust': 'Pod Identity trust',
  'pod-identity-target-role': 'target role',
  'pod-identity-session-policy': 'session policy',
  'pod-identity-agent': 'Pod Identity agent',
  'pod-identity-pods': 'Pod Identity pods',
  'pod-identity-live': 'live Pod Identity',
};
const LABEL_WIDTH = Math.max(...Object.values(LABEL).map((l) => l.length));

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function summaryLine(report: DoctorReport): string {
  const s = report.summary;
  const warn = s.warnings > 0 ? ` (${plural(s.warnings, 'warning', 'warnings')})` : '';
  return `${plural(s.total, 'service account', 'service accounts')}: ${s.healthy} healthy, ${s.withProblems} with problems${warn}`;
}

export function renderText(report: DoctorReport): string {
  const lines: string[] = [];
  // Each entry is one line: a line feed in an annotation value must not start a line that looks like a check.
  for (const sa of report.serviceAccounts) {
    const via = sa.podIdentityAssociationId !== null ? `${MECHANISM_LABEL[sa.mechanism]} ${sa.podIdentityAssociationId}` : MECHANISM_LABEL[sa.mechanism];
    lines.push(singleLine(`${sa.namespace}/${sa.name}${sa.roleArn !== null ? ` → ${sa.roleArn}` : ''} [${via}]`));
    for (const c of sa.checks) {
      lines.push(`  ${ICON[c.status]} ${LABEL[c.id].padEnd(LABEL_WIDTH)}  ${singleLine(c.message)}`);
      if (c.fix !== undefined && c.status !== 'pass' && c.status !== 'skip') lines.push(`    → ${singleLine(c.fix)}`);
    }
    lines.push('');
  }
  if (report.serviceAccounts.length === 0) lines.push(`no ServiceAccounts with an eks.amazonaws.com/role-arn annotation or a Pod Identity association found in cluster ${report.cluster}`);
  lines.push(summaryLine(report));
  return `${lines.join('\n')}\n`;
}
