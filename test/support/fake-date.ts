/**
 * Jest's fake Date with every timer real: a test moves the clock (`tick`) and nothing else changes,
 * so servers, sockets and DynamoDB calls run as usual while every write is stamped when the test says.
 */
const REAL_TIMERS = [
  'hrtime',
  'nextTick',
  'performance',
  'queueMicrotask',
  'requestAnimationFrame',
  'cancelAnimationFrame',
  'requestIdleCallback',
  'cancelIdleCallback',
  'setImmediate',
  'clearImmediate',
  'setInterval',
  'clearInterval',
  'setTimeout',
  'clearTimeout',
] as const;

/** Fake only Date, starting now. */
export const useFakeDate = (): void => {
  jest.useFakeTimers({ doNotFake: [...REAL_TIMERS], now: Date.now() });
};

/** Move the fake clock on by `ms`. */
export const tick = (ms: number): void => jest.setSystemTime(Date.now() + ms);
