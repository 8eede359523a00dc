import { Match } from 'aws-cdk-lib/assertions';
import { synthesized } from './synth';

/**
 * An alarm nobody receives is no alarm: synthesis warns when a production stage has no alarm
 * subscriber (alarmEmail / TRACKER_ALARM_EMAIL), and stays quiet otherwise.
 */

const NO_SUBSCRIBER = /no alarm subscriber/;
/** The warnings on a stack of the run, and what its synthesis printed (the validation report, as `cdk synth` shows it). */
const warningsOf = (stack: string) => {
  const { annotations, printed } = synthesized(stack);
  return { warnings: annotations.findWarning('*', Match.stringLikeRegexp('no alarm subscriber')), printed };
};

describe('the alarm subscriber warning', () => {
  it('warns on the alarm topic when a prod stage has no alarm e-mail', () => {
    // Act
    const { warnings, printed } = warningsOf('prod without alarm e-mail');

    // Assess
    expect(warnings).toHaveLength(1);
    expect(printed).toMatch(NO_SUBSCRIBER);
    expect(warnings[0]!.id).toMatch(/\/AlarmTopic$/);
    expect(String(warnings[0]!.entry.data)).toMatch(NO_SUBSCRIBER);
    expect(String(warnings[0]!.entry.data)).toMatch(/alarmEmail/);
  });

  it('is silent when prod has an alarm e-mail, from context or from TRACKER_ALARM_EMAIL', () => {
    // Act / Assess
    expect(warningsOf('prod').warnings).toEqual([]);
    expect(warningsOf('prod with alarm e-mail from the environment').warnings).toEqual([]);
  });

  it('is silent for a non-production stage without one', () => {
    // Act / Assess
    expect(warningsOf('dev').warnings).toEqual([]);
  });
});
