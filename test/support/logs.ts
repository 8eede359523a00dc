import { logger } from '../../shared/observability';

/**
 * The log lines a test's code writes: the logger (Powertools) writes JSON lines to the process's
 * stdout and stderr, which are captured at INFO level from `start()` to `stop()` (call them from
 * beforeEach / afterEach); the level in force before is put back.
 */
export function captureLogs() {
  let captured: string[] = [];
  let spies: jest.SpyInstance[] = [];
  let previousLevel = logger.getLevelName();
  const capture = (chunk: unknown) => {
    captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  return {
    start(): void {
      previousLevel = logger.getLevelName();
      logger.setLogLevel('INFO');
      captured = [];
      spies = [
        jest.spyOn(process.stdout, 'write').mockImplementation(capture),
        jest.spyOn(process.stderr, 'write').mockImplementation(capture),
      ];
    },
    stop(): void {
      for (const spy of spies) spy.mockRestore();
      logger.setLogLevel(previousLevel as Parameters<typeof logger.setLogLevel>[0]);
    },
    /** Everything written, as it was written. */
    text: (): string => captured.join(''),
    /** Every captured line that is a JSON log record. */
    records: (): Record<string, unknown>[] =>
      captured
        .join('')
        .split('\n')
        .filter((l) => l.trim().startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
