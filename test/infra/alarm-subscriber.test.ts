import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { synth } from './synth';

/**
 * An alarm nobody receives is no alarm: synthesis warns when a production stage has no alarm
 * subscriber (alarmEmail / TRACKER_ALARM_EMAIL), and stays quiet otherwise.
 */

const NO_SUBSCRIBER = /no alarm subscriber/;
/** The warnings on the stack, and what synthesis printed (the validation report, as `cdk synth` shows it). */
const warningsOf = (context: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) => {
  const printed: string[] = [];
  const console = jest
    .spyOn(global.console, 'error')
    .mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' ')));
  const synthesized = synth({ context, env });
  try {
    return {
      warnings: Annotations.fromStack(synthesized.stack).findWarning(
        '*',
        Match.stringLikeRegexp('no alarm subscriber'),
      ),
      printed: printed.join('\n'),
    };
  } finally {
    console.mockRestore();
    synthesized.cleanup();
  }
};

describe('the alarm subscriber warning', () => {
  it('warns on the alarm topic when a prod stage has no alarm e-mail', () => {
    // Act
    const { warnings, printed } = warningsOf({ stage: 'prod' });

    // Assess
    expect(warnings).toHaveLength(1);
    expect(printed).toMatch(NO_SUBSCRIBER);
    expect(warnings[0]!.id).toMatch(/\/AlarmTopic$/);
    expect(String(warnings[0]!.entry.data)).toMatch(NO_SUBSCRIBER);
    expect(String(warnings[0]!.entry.data)).toMatch(/alarmEmail/);
  });

  it('is silent when prod has an alarm e-mail, from context or from TRACKER_ALARM_EMAIL', () => {
    // Act / Assess
    expect(warningsOf({ stage: 'prod', alarmEmail: 'oncall@example.org' }).warnings).toEqual([]);
    expect(warningsOf({ stage: 'prod' }, { TRACKER_ALARM_EMAIL: 'oncall@example.org' }).warnings).toEqual([]);
  });

  it('is silent for a non-production stage without one', () => {
    // Act / Assess
    expect(warningsOf({ stage: 'dev' }).warnings).toEqual([]);
  });
});
