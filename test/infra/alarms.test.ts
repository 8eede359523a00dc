import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { FunctionName } from '../../infra/bundling';
import { P99_LATENCY_MS } from '../../infra/constructs/alarms';
import { RESERVED_CONCURRENCY } from '../../infra/settings';
import { referencedIds, synthesized, type Resources } from './synth';

/** The prod stage with a subscriber, reserving concurrency in an account whose quota it names. */
const { template, functionId } = synthesized('prod reserved');
const resources = template.toJSON().Resources as Resources;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
type AlarmProps = Record<string, unknown> & { id: string };
const alarms: AlarmProps[] = ofType('AWS::CloudWatch::Alarm').map(
  ([id, a]) => ({ id, ...a.Properties! }) as AlarmProps,
);
const tableId = ofType('AWS::DynamoDB::Table')[0]![0];
const topicId = ofType('AWS::SNS::Topic')[0]![0];

/** GitHub's anchor for a Markdown heading (what a `#fragment` link to docs/runbook.md must name). */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');
const RUNBOOK = readFileSync(path.join(__dirname, '../../docs/runbook.md'), 'utf8');
const ANCHORS = new Set(
  RUNBOOK.split('\n')
    .filter((line) => /^#{1,6} /.test(line))
    .map((line) => anchorOf(line.replace(/^#+ /, ''))),
);
/** `Runbook: <runbookUrl>#<anchor>` ends every description (runbookUrl: a path or a URL of docs/runbook.md). */
const runbookLink = (a: AlarmProps) =>
  /Runbook: (?:\S*\/)?docs\/runbook\.md#([\w-]+)$/.exec(String(a.AlarmDescription));
/** Every metric an alarm watches, single or inside a math expression. */
const metricsOf = (a: AlarmProps): { MetricName?: string; Namespace?: string; Dimensions?: unknown }[] =>
  Array.isArray(a.Metrics)
    ? (a.Metrics as { MetricStat?: { Metric: Record<string, unknown> } }[])
        .filter((m) => m.MetricStat)
        .map((m) => m.MetricStat!.Metric)
    : [{ MetricName: a.MetricName as string, Namespace: a.Namespace as string, Dimensions: a.Dimensions }];
const watching = (metric: string, namespace: string, id?: string) =>
  alarms.filter((a) =>
    metricsOf(a).some(
      (m) =>
        m.MetricName === metric &&
        m.Namespace === namespace &&
        (id === undefined || referencedIds(m.Dimensions).includes(id)),
    ),
  );

describe('every alarm', () => {
  it('links a runbook entry that exists in docs/runbook.md', () => {
    // Assess
    expect(alarms.length).toBeGreaterThan(30);
    for (const a of alarms) {
      const link = runbookLink(a);
      expect({ alarm: a.id, linked: link !== null }).toEqual({ alarm: a.id, linked: true });
      expect({ alarm: a.id, anchor: link![1], exists: ANCHORS.has(link![1]!) }).toEqual({
        alarm: a.id,
        anchor: link![1],
        exists: true,
      });
    }
  });

  it('fires only after at least two breaching datapoints, with missing data treated explicitly', () => {
    for (const a of alarms) {
      expect({
        alarm: a.id,
        twoOrMore: Number(a.DatapointsToAlarm) >= 2,
        withinWindow: Number(a.DatapointsToAlarm) <= Number(a.EvaluationPeriods),
        missing: ['notBreaching', 'breaching', 'ignore', 'missing'].includes(String(a.TreatMissingData)),
      }).toEqual({ alarm: a.id, twoOrMore: true, withinWindow: true, missing: true });
    }
  });

  it('notifies the alarm topic when it fires and when it recovers', () => {
    for (const a of alarms)
      expect({ alarm: a.id, on: referencedIds(a.AlarmActions), ok: referencedIds(a.OKActions) }).toEqual({
        alarm: a.id,
        on: [topicId],
        ok: [topicId],
      });
  });
});

describe('alarms people can act on', () => {
  it('watch DynamoDB throttled requests over every operation the functions use, and transaction conflicts', () => {
    // Act
    const throttles = alarms.filter((a) =>
      metricsOf(a).some(
        (m) => m.MetricName === 'ThrottledRequests' && referencedIds(m.Dimensions).includes(tableId),
      ),
    );
    const conflicts = watching('TransactionConflict', 'AWS/DynamoDB', tableId);
    // Assess
    expect(throttles).toHaveLength(1);
    const operations = metricsOf(throttles[0]!).map(
      (m) => (m.Dimensions as { Name: string; Value: unknown }[]).find((d) => d.Name === 'Operation')?.Value,
    );
    expect(operations.sort()).toEqual(
      [
        'BatchGetItem',
        'DeleteItem',
        'GetItem',
        'PutItem',
        'Query',
        'TransactWriteItems',
        'UpdateItem',
      ].sort(),
    );
    expect(conflicts).toHaveLength(1);
  });

  it('watch the p99 duration of every route group and of the authorizer, and the API p99 latency', () => {
    for (const name of Object.keys(P99_LATENCY_MS) as FunctionName[]) {
      const p99 = watching('Duration', 'AWS/Lambda', functionId(name)).filter(
        (a) => a.ExtendedStatistic === 'p99',
      );
      expect({ name, alarms: p99.length }).toEqual({ name, alarms: 1 });
    }
    expect(Object.keys(P99_LATENCY_MS)).toEqual(
      expect.arrayContaining([
        'authorizer',
        'health',
        'threads-read',
        'threads-write',
        'tokens',
        'kinds',
        'subscriptions',
        'feeds',
        'inbox',
        'scenario-import',
      ]),
    );
    expect(watching('Latency', 'AWS/ApiGateway').filter((a) => a.ExtendedStatistic === 'p99')).toHaveLength(
      1,
    );
  });

  it('watch concurrency: the account against 80% of its quota, each reserved function against 80% of its reservation', () => {
    // Act
    const account = alarms.filter(
      (a) => a.MetricName === 'ConcurrentExecutions' && a.Dimensions === undefined,
    );
    // Assess
    expect(account).toHaveLength(1);
    expect(account[0]!.Threshold).toBe(800);
    for (const [name, reserved] of Object.entries(RESERVED_CONCURRENCY) as [FunctionName, number][]) {
      const own = watching('ConcurrentExecutions', 'AWS/Lambda', functionId(name));
      expect({ name, threshold: own.map((a) => a.Threshold) }).toEqual({
        name,
        threshold: [Math.ceil(reserved * 0.8)],
      });
    }
  });

  it('watch webhook deliveries that failed for good (the functions’ EMF metric)', () => {
    const failing = watching('WebhookDeliveriesFailed', 'ScenarioTracker');
    expect(failing).toHaveLength(1);
    expect(failing[0]!.Dimensions).toEqual([{ Name: 'service', Value: 'scenario-tracker' }]);
  });

  it('watch every dead-letter queue of the stack: redrive targets, rule-target DLQs and failure destinations', () => {
    // Prepare: every queue something dead-letters into, found from the template itself
    const dlqs = new Set<string>();
    for (const [, q] of ofType('AWS::SQS::Queue'))
      referencedIds(
        (q.Properties!.RedrivePolicy as { deadLetterTargetArn?: unknown })?.deadLetterTargetArn,
      ).forEach((id) => dlqs.add(id));
    for (const [, rule] of ofType('AWS::Events::Rule'))
      for (const t of (rule.Properties!.Targets as { DeadLetterConfig?: { Arn: unknown } }[]) ?? [])
        referencedIds(t.DeadLetterConfig?.Arn).forEach((id) => dlqs.add(id));
    for (const [, c] of ofType('AWS::Lambda::EventInvokeConfig'))
      referencedIds(c.Properties!.DestinationConfig).forEach((id) => dlqs.add(id));
    // Act / Assess
    expect(dlqs.size).toBe(5); // recount, webhook, stale check, live fan-out, source poll
    for (const id of dlqs) {
      const depth = watching('ApproximateNumberOfMessagesVisible', 'AWS/SQS', id);
      expect({ queue: id, alarms: depth.length }).toEqual({ queue: id, alarms: 1 });
    }
  });

  it('alarm when the stale check stops running, treating missing invocations as breaching', () => {
    const notRunning = watching('Invocations', 'AWS/Lambda', functionId('stale-check'));
    expect(notRunning).toHaveLength(1);
    expect(notRunning[0]).toMatchObject({
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
    });
  });
});
