import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  UpdateStackCommand,
  UpdateTerminationProtectionCommand,
  paginateListStacks,
  type StackStatus,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { IrsaError } from '../errors.js';
import type { CloudFormationPort, CreateStackInput, StackEvent, StackRecord, StackSummary, UpdateStackInput } from './ports.js';
import { awsCall, awsErrorFacts, clientConfig, isAwsError, recordToTags, tagsToRecord, toIrsaError } from './config.js';
import { type AwsOptions } from './options.js';
import { stopWithRun } from './request-handler.js';

export function toStackRecord(stack: Stack): StackRecord {
  return {
    stackName: stack.StackName ?? '',
    stackId: stack.StackId ?? '',
    status: stack.StackStatus ?? 'UNKNOWN',
    ...(stack.StackStatusReason !== undefined ? { statusReason: stack.StackStatusReason } : {}),
    tags: tagsToRecord(stack.Tags),
    outputs: Object.fromEntries(
      (stack.Outputs ?? []).filter((o) => o.OutputKey !== undefined).map((o) => [o.OutputKey as string, o.OutputValue ?? '']),
    ),
    capabilities: stack.Capabilities ?? [],
    ...(stack.EnableTerminationProtection !== undefined ? { terminationProtection: stack.EnableTerminationProtection } : {}),
  };
}

/** CloudFormation answers a missing stack with a ValidationError "Stack with id X does not exist". */
const isMissingStack = (err: unknown): boolean =>
  isAwsError(err, 'ValidationError') && /does not exist/i.test(awsErrorFacts(err).message);

const isNoChange = (err: unknown): boolean =>
  isAwsError(err, 'ValidationError') && /No updates are to be performed/i.test(awsErrorFacts(err).message);

export function createCloudFormationPort(opts: AwsOptions): CloudFormationPort {
  const client = new CloudFormationClient(clientConfig('CLOUDFORMATION', opts));
  stopWithRun(client, 'CLOUDFORMATION', opts);
  return {
    async listStacks(statuses: readonly string[]): Promise<StackSummary[]> {
      return awsCall('ListStacks', async () => {
        const summaries: StackSummary[] = [];
        for await (const page of paginateListStacks({ client }, { StackStatusFilter: [...statuses] as StackStatus[] })) {
          for (const s of page.StackSummaries ?? []) {
            summaries.push({ stackName: s.StackName ?? '', stackId: s.StackId ?? '', status: s.StackStatus ?? 'UNKNOWN' });
          }
        }
        return summaries;
      });
    },

    async describeStack(nameOrId: string): Promise<StackRecord | undefined> {
      try {
        const out = await client.send(new DescribeStacksCommand({ StackName: nameOrId }));
        const stack = out.Stacks?.[0];
        return stack !== undefined ? toStackRecord(stack) : undefined;
      } catch (err) {
        if (isMissingStack(err)) return undefined;
        throw toIrsaError('DescribeStacks', err);
      }
    },

    async createStack(input: CreateStackInput): Promise<'created' | 'exists'> {
      let out;
      try {
        out = await client.send(
          new CreateStackCommand({
            StackName: input.stackName,
            TemplateBody: input.templateBody,
            Capabilities: input.capabilities as CreateStackCapabilities,
            Tags: recordToTags(input.tags),
            EnableTerminationProtection: input.terminationProtection,
            ...(opts.cfnRoleArn !== undefined ? { RoleARN: opts.cfnRoleArn } : {}),
            ...(opts.cfnDisableRollback ? { DisableRollback: true } : {}),
          }),
        );
      } catch (err) {
        if (isAwsError(err, 'AlreadyExists')) return 'exists';
        throw toIrsaError('CreateStack', err);
      }
      if (out.StackId === undefined) throw new IrsaError('AWS', `CreateStack failed: no stack ID for "${input.stackName}"`);
      return 'created';
    },

    async updateStack(input: UpdateStackInput): Promise<'updated' | 'no-change'> {
      try {
        // UpdateStack rather than change sets: simpler, and moto's change sets are quirky.
        await client.send(
          new UpdateStackCommand({
            StackName: input.stackName,
            TemplateBody: input.templateBody,
            Capabilities: input.capabilities as CreateStackCapabilities,
            Tags: recordToTags(input.tags),
            ...(opts.cfnRoleArn !== undefined ? { RoleARN: opts.cfnRoleArn } : {}),
          }),
        );
        return 'updated';
      } catch (err) {
        if (isNoChange(err)) return 'no-change';
        throw toIrsaError('UpdateStack', err);
      }
    },

    async deleteStack(nameOrId: string): Promise<void> {
      await awsCall('DeleteStack', () => client.send(new DeleteStackCommand({ StackName: nameOrId, ...(opts.cfnRoleArn !== undefined ? { RoleARN: opts.cfnRoleArn } : {}) })));
    },

    async setTerminationProtection(nameOrId: string, enabled: boolean): Promise<void> {
      await awsCall('UpdateTerminationProtection', () =>
        client.send(new UpdateTerminationProtectionCommand({ StackName: nameOrId, EnableTerminationProtection: enabled })),
      );
    },

    async getTemplate(nameOrId: string): Promise<string> {
      const out = await awsCall('GetTemplate', () => client.send(new GetTemplateCommand({ StackName: nameOrId, TemplateStage: 'Original' })));
      return out.TemplateBody ?? '';
    },

    async describeStackEvents(nameOrId: string): Promise<StackEvent[]> {
      // CloudFormation already returns events newest first; the first page holds the latest operation.
      const out = await awsCall('DescribeStackEvents', () => client.send(new DescribeStackEventsCommand({ StackName: nameOrId })));
      return (out.StackEvents ?? []).map((e) => ({
        timestamp: e.Timestamp ?? new Date(0),
        logicalResourceId: e.LogicalResourceId ?? '',
        resourceType: e.ResourceType ?? '',
        resourceStatus: e.ResourceStatus ?? '',
        ...(e.ResourceStatusReason !== undefined ? { resourceStatusReason: e.ResourceStatusReason } : {}),
      }));
    },
  };
}

type CreateStackCapabilities = NonNullable<ConstructorParameters<typeof CreateStackCommand>[0]['Capabilities']>;
