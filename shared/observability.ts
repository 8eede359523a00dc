import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One structured JSON logger for every function and the local server. Service name and level come
 * from POWERTOOLS_SERVICE_NAME / POWERTOOLS_LOG_LEVEL, which the stack sets.
 * Nothing here ever logs a request's headers: that is how tokens stay out of the logs.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'scenario-tracker' });
