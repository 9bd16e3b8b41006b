import { createAwsPorts } from '../../src/aws/factory.js';
import type { CloudFormationPort, StackRecord } from '../../src/aws/ports.js';
import { LIVE_STACK_STATUSES } from '../../src/cfn/stack-status.js';
import type { RuntimeOverrides } from '../../src/runtime/runtime.js';
import type { E2E } from './cli.js';

/**
 * The real AWS ports through the sandbox, with some CloudFormation calls replaced. Only for what moto cannot
 * produce (harness.md §2): asynchronous status sequences, rollbacks, per-resource events, capability checks.
 */
export function withCloudFormation(e: E2E, patch: (real: CloudFormationPort) => Partial<CloudFormationPort>): RuntimeOverrides {
  return {
    awsPorts: async ({ region, profile }) => {
      const real = await createAwsPorts({ region, profile, env: e.env });
      return { ...real, cfn: { ...real.cfn, ...patch(real.cfn) } };
    },
  };
}

/**
 * ListStacks and DescribeStacks of `real`, plus the stacks `extra()` returns (played, not in moto): listed when their
 * status passes the filter, described by name or ID.
 */
export function withExtraStacks(real: CloudFormationPort, extra: () => StackRecord[]): Pick<CloudFormationPort, 'listStacks' | 'describeStack'> {
  return {
    listStacks: async (statuses) => [
      ...(await real.listStacks(statuses)),
      ...extra()
        .filter((s) => statuses.includes(s.status))
        .map((s) => ({ stackName: s.stackName, stackId: s.stackId, status: s.status })),
    ],
    describeStack: async (nameOrId) => extra().find((s) => s.stackName === nameOrId || s.stackId === nameOrId) ?? real.describeStack(nameOrId),
  };
}

/** Every live stack of the region with its tags and outputs, as a test reads them (ListStacks, then each by name). */
export async function liveStacks(cfn: CloudFormationPort): Promise<StackRecord[]> {
  const listed = await cfn.listStacks(LIVE_STACK_STATUSES);
  const described = await Promise.all(listed.map((s) => cfn.describeStack(s.stackName)));
  return described.filter((s): s is StackRecord => s !== undefined);
}
