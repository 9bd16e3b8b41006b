/**
 * The stack service against an in-memory CloudFormationPort (moto's stacks are complete at once and its CreateStack
 * cannot be cut short): what a create leaves in flight when the run stops, adopting only our own existing stack,
 * and never deleting someone else's when replacing.
 */
import { describe, expect, it } from 'vitest';
import type { CloudFormationPort, CreateStackInput, StackRecord } from '../../../src/aws/ports.js';
import { IrsaError } from '../../../src/errors.js';
import type { Narrator } from '../../../src/output/reporter.js';
import { CLUSTER_NAME_TAG, IRSA_NAME_TAG } from '../../../src/model/naming.js';
import { StackWaiter } from '../../../src/services/stack-waiter.js';
import { createAndWait, replaceAndWait, roleStacks, stoppedInFlight, type InFlightOperation, type StackTarget } from '../../../src/services/stacks.js';

const NAME = 'eksctl-demo-addon-iamserviceaccount-apps-sa';
const OURS = { [CLUSTER_NAME_TAG]: 'demo', [IRSA_NAME_TAG]: 'apps/sa' };
const ROLE = 'arn:aws:iam::111122223333:role/r';

function cfnOf(opts: { create: (input: CreateStackInput) => Promise<'created' | 'exists'>; existing?: StackRecord }) {
  const calls: string[] = [];
  let stack = opts.existing;
  const notUsed = () => Promise.reject(new Error('not used'));
  const cfn: CloudFormationPort = {
    listStacks: async () => [],
    describeStack: async () => stack,
    createStack: async (input) => {
      calls.push('createStack');
      const outcome = await opts.create(input);
      if (outcome === 'created') stack = { stackName: input.stackName, stackId: `id-${input.stackName}`, status: 'CREATE_COMPLETE', tags: input.tags, outputs: { Role1: ROLE }, capabilities: input.capabilities };
      return outcome;
    },
    updateStack: notUsed,
    deleteStack: async () => {
      calls.push('deleteStack');
      stack = undefined;
    },
    setTerminationProtection: notUsed,
    getTemplate: notUsed,
    describeStackEvents: async () => [],
  };
  return { cfn, calls };
}

const quiet: Narrator = { info: () => undefined, ok: () => undefined, warn: () => undefined, debug: () => undefined };
const target: StackTarget = { stackName: NAME, id: 'apps/sa', cluster: 'demo', region: 'us-west-2', nextStep: () => 'delete it' };
const body = { templateBody: '{}', capabilities: ['CAPABILITY_IAM'], tags: OURS };
const services = (cfn: CloudFormationPort) => ({ cfn, narrator: quiet, waiter: new StackWaiter(cfn, { deadline: Date.now() + 5000, intervalMs: 1, maxIntervalMs: 1 }) });
const stopped = (notSent: boolean) => new IrsaError('TIMEOUT', '--timeout 1s ran out', { notSent });

describe('createAndWait', () => {
  it('creates, waits, and gives the role; nothing is left in flight', async () => {
    const { cfn } = cfnOf({ create: async () => 'created' });
    const progress: InFlightOperation = {};
    expect(await createAndWait(services(cfn), target, body, progress)).toBe(ROLE);
    expect(progress).toEqual({});
  });

  it("waits for a stack that is already there when its tags say it is ours, and takes its role", async () => {
    const { cfn } = cfnOf({ create: async () => 'exists', existing: { stackName: NAME, stackId: 'id', status: 'CREATE_COMPLETE', tags: OURS, outputs: { Role1: ROLE }, capabilities: [] } });
    expect(await createAndWait(services(cfn), target, body, {})).toBe(ROLE);
  });

  it("refuses a stack that is already there and is someone else's", async () => {
    const { cfn } = cfnOf({ create: async () => 'exists', existing: { stackName: NAME, stackId: 'id', status: 'CREATE_COMPLETE', tags: { ...OURS, [IRSA_NAME_TAG]: 'apps-sa/x' }, outputs: { Role1: 'arn:other' }, capabilities: [] } });
    await expect(createAndWait(services(cfn), target, body, {})).rejects.toMatchObject({ code: 'PRECONDITION' });
  });

  it('a request the stop kept from being sent leaves nothing in flight; one cut short unanswered may be in CloudFormation', async () => {
    const notSent: InFlightOperation = {};
    await expect(createAndWait(services(cfnOf({ create: () => Promise.reject(stopped(true)) }).cfn), target, body, notSent)).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(notSent.inFlight).toBeUndefined();
    const unanswered: InFlightOperation = {};
    await expect(createAndWait(services(cfnOf({ create: () => Promise.reject(stopped(false)) }).cfn), target, body, unanswered)).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(unanswered).toEqual({ inFlight: 'create', unanswered: true });
    const refused: InFlightOperation = {};
    await expect(createAndWait(services(cfnOf({ create: () => Promise.reject(new IrsaError('AWS', 'CreateStack failed: no')) }).cfn), target, body, refused)).rejects.toMatchObject({ code: 'AWS' });
    expect(refused.inFlight).toBeUndefined();
  });
});

describe('replaceAndWait', () => {
  it("never deletes a stack that holds the name and is someone else's", async () => {
    const { cfn, calls } = cfnOf({ create: async () => 'created', existing: { stackName: NAME, stackId: 'id', status: 'ROLLBACK_COMPLETE', tags: {}, outputs: {}, capabilities: [] } });
    await expect(replaceAndWait(services(cfn), target, body, {})).rejects.toMatchObject({ code: 'PRECONDITION' });
    expect(calls).toEqual([]);
  });

  it('deletes our failed stack and creates it again', async () => {
    const { cfn, calls } = cfnOf({ create: async () => 'created', existing: { stackName: NAME, stackId: 'id', status: 'ROLLBACK_COMPLETE', tags: OURS, outputs: {}, capabilities: [] } });
    expect(await replaceAndWait(services(cfn), target, body, {})).toBe(ROLE);
    expect(calls).toEqual(['deleteStack', 'createStack']);
  });
});

describe('stoppedInFlight', () => {
  it('says the stack goes on, and whether CloudFormation may not have it at all', () => {
    expect(stoppedInFlight(NAME, 'delete', false, stopped(false))).toMatchObject({ code: 'TIMEOUT', message: `stack ${NAME} is still being deleted by CloudFormation (--timeout 1s ran out)` });
    expect(stoppedInFlight(NAME, 'create', true, stopped(false)).message).toContain('may be being created by CloudFormation: its request got no answer');
  });
});

describe('roleStacks: templates read beside the describes', () => {
  // An in-memory port whose DescribeStacks answers only when let go: what was sent before any describe answered is
  // what went beside them (the real CloudFormation answers in its own time).
  function listedPort(stacks: StackRecord[], templateFails: ReadonlySet<string> = new Set()) {
    const calls: string[] = [];
    const held: (() => void)[] = [];
    const notUsed = () => Promise.reject(new Error('not used'));
    const cfn: CloudFormationPort = {
      listStacks: async () => stacks.map((s) => ({ stackName: s.stackName, stackId: s.stackId, status: s.status })),
      describeStack: (name) => {
        calls.push(`describe ${name}`);
        return new Promise((resolve) => held.push(() => resolve(stacks.find((s) => s.stackName === name))));
      },
      getTemplate: async (id) => {
        calls.push(`template ${id}`);
        if (templateFails.has(id)) throw new IrsaError('AWS', `Stack with id ${id} does not exist`);
        return `{"Description":"${id}"}`;
      },
      createStack: notUsed,
      updateStack: notUsed,
      deleteStack: notUsed,
      setTerminationProtection: notUsed,
      describeStackEvents: async () => [],
    };
    const release = () => held.splice(0).forEach((go) => go());
    return { cfn, calls, release };
  }
  const record = (ns: string, name: string, tags: Record<string, string>): StackRecord => ({
    stackName: `eksctl-demo-addon-iamserviceaccount-${ns}-${name}`,
    stackId: `arn:aws:cloudformation:us-west-2:111122223333:stack/eksctl-demo-addon-iamserviceaccount-${ns}-${name}/1`,
    status: 'CREATE_COMPLETE',
    tags,
    outputs: { Role1: ROLE },
    capabilities: [],
  });

  it('sends GetTemplate (by stack id) for the named stacks before any DescribeStacks has answered, and for no other', async () => {
    const wanted = record('apps', 'sa', OURS);
    const other = record('apps', 'other', { [CLUSTER_NAME_TAG]: 'demo', [IRSA_NAME_TAG]: 'apps/other' });
    const { cfn, calls, release } = listedPort([wanted, other]);
    const found = roleStacks(cfn, 'demo', ['iamserviceaccount'], new Set([wanted.stackName]));
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([`template ${wanted.stackId}`, `describe ${wanted.stackName}`, `describe ${other.stackName}`]);
    release();
    const { irsa } = await found;
    expect(irsa.owned.get('apps/sa')?.stackId).toBe(wanted.stackId);
    expect(await irsa.templates.get(wanted.stackId)).toBe(`{"Description":"${wanted.stackId}"}`);
    expect(irsa.templates.has(other.stackId)).toBe(false);
  });

  it("keeps a failed read of a template nobody uses (another owner's stack under the name) out of the discovery", async () => {
    const squatter = record('apps', 'sa', { [CLUSTER_NAME_TAG]: 'demo', [IRSA_NAME_TAG]: 'apps/someone-else' });
    const { cfn, release } = listedPort([squatter], new Set([squatter.stackId]));
    const found = roleStacks(cfn, 'demo', ['iamserviceaccount'], new Set([squatter.stackName]));
    await new Promise((resolve) => setImmediate(resolve));
    release();
    const { irsa } = await found;
    expect(irsa.owned.size).toBe(0);
    expect(irsa.byName.get(squatter.stackName)?.stackId).toBe(squatter.stackId);
    await expect(irsa.templates.get(squatter.stackId)).rejects.toThrow(/does not exist/);
  });
});
