import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

const logger = new Logger({
    persistentLogAttributes: {
        aws_account_id: process.env.AWS_ACCOUNT_ID || 'N/A',
        aws_region: process.env.AWS_REGION|| 'N/A',
    }
});

const metrics = new Metrics({
    defaultDimensions: {
        aws_account_id: process.env.AWS_ACCOUNT_ID || 'N/A',
        aws_region: process.env.AWS_REGION|| 'N/A',
    }
});

const tracer = new Tracer();

export {
    logger,
    metrics,
    tracer
};