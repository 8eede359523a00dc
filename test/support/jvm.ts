/**
 * Environment for the DynamoDB Locals a test starts for itself (an e2e test's `npm start`, or
 * startDynamoLocal's `env`): `JAVA_TOOL_OPTIONS`, the JVM's own documented variable (every `java`
 * reads it; the product passes the environment on).
 *
 * `-XX:TieredStopAtLevel=1` keeps the JIT at its quick first tier. A test's DynamoDB Local lives for
 * seconds and answers a few dozen requests, so the optimizing tier's compile threads are pure start-up
 * cost: measured here, a start to its first answer went from 2.8–4.1 s and 3.3–4.0 s of CPU to
 * 1.8–2.4 s and 1.8–2.0 s of CPU. It changes how fast Java code runs, never what it does. The JVM
 * notes the variable on its stderr ("Picked up JAVA_TOOL_OPTIONS"), which the watchdog keeps to itself
 * (local/dynamodb-local.ts): `npm start` prints nothing more.
 */
export const QUICK_JVM: Record<string, string> = {
  JAVA_TOOL_OPTIONS: [process.env.JAVA_TOOL_OPTIONS, '-XX:TieredStopAtLevel=1'].filter(Boolean).join(' '),
};
