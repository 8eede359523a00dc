import { invocation, logger } from '../../shared/observability';
import { localLambdaContext } from '../../local/invocations';
import { captureLogs } from '../support/logs';

/** One Lambda invocation's log lines, as the Powertools logger writes them (JSON on stdout/stderr). */
const logs = captureLogs();
beforeEach(() => logs.start());
afterEach(() => logs.stop());
const lines = logs.records;

describe('an invocation', () => {
  it("logs under the Lambda request id and API Gateway's, and nothing after it does", async () => {
    // Prepare
    const context = localLambdaContext('threads-read');

    // Act
    await invocation('threads-read', { context, correlationId: 'apigw-7' }, async () => {
      logger.info('inside');
    });
    logger.info('after');

    // Assess
    const [inside, after] = lines();
    expect(inside).toEqual(
      expect.objectContaining({
        message: 'inside',
        correlation_id: 'apigw-7',
        function_request_id: context.awsRequestId,
        function_name: 'threads-read',
      }),
    );
    expect(after).toEqual(expect.objectContaining({ message: 'after' }));
    expect(after).not.toHaveProperty('correlation_id');
  });

  it('that no HTTP request started carries no correlation id left by an earlier one', async () => {
    // Prepare
    await invocation('threads-read', { correlationId: 'apigw-8' }, async () => undefined);

    // Act
    await invocation('stale check', { context: localLambdaContext('stale-check') }, async () => {
      logger.info('scheduled');
    });

    // Assess
    expect(lines()).toEqual([
      expect.objectContaining({ message: 'scheduled', function_name: 'stale-check' }),
    ]);
    expect(lines()[0]).not.toHaveProperty('correlation_id');
  });

  it('that throws logs the error under both ids and rethrows it', async () => {
    // Prepare
    const context = localLambdaContext('authorizer');
    const failure = new Error('the table is gone');

    // Act
    const run = invocation('authorizer', { context, correlationId: 'apigw-9' }, async () => {
      throw failure;
    });

    // Assess
    await expect(run).rejects.toBe(failure);
    expect(lines()).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'authorizer failed',
        correlation_id: 'apigw-9',
        function_request_id: context.awsRequestId,
        error: expect.objectContaining({ name: 'Error', message: 'the table is gone' }),
      }),
    );
  });
});
