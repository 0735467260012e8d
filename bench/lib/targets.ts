import { CONTENDERS } from '../contenders/contender-registry';
import type { Scenario } from '../scenarios/scenario';
import type { ContenderSummary } from './summarize';

/** A scenario's target checked against its results; `met` is undefined when a result is missing or failed. */
export interface TargetCheck {
  readonly scenario: string;
  readonly met: boolean | undefined;
  readonly text: string;
}

export function checkTargets(
  scenarios: readonly Scenario[],
  summaries: readonly ContenderSummary[],
): TargetCheck[] {
  const find = (scenario: string, contender: string) =>
    summaries.find((s) => s.scenario === scenario && s.contender === contender && s.ok);
  const checks: TargetCheck[] = [];
  for (const { id, targets = [] } of scenarios)
    for (const target of targets) {
      const subject = find(id, target.contender);
      const name = CONTENDERS[target.contender].label;
      if (target.kind === 'throughput') {
        const baseline = find(id, target.baseline);
        const goal = `${name} >= ${target.atLeast}x ${CONTENDERS[target.baseline].label} throughput`;
        if (!subject || !baseline || baseline.msgsPerSec === 0) {
          checks.push({ scenario: id, met: undefined, text: `${goal}: no complete result to compare` });
          continue;
        }
        const ratio = subject.msgsPerSec / baseline.msgsPerSec;
        checks.push({ scenario: id, met: ratio >= target.atLeast, text: `${goal}: ${ratio.toFixed(2)}x` });
      } else if (target.kind === 'bound') {
        const bound = target.boundMsgsPerSec.toLocaleString('en-US');
        const goal = `${name} >= ${target.atLeast} of the handlers' bound (${bound} msgs/s)`;
        if (!subject) {
          checks.push({ scenario: id, met: undefined, text: `${goal}: no complete result` });
          continue;
        }
        const fraction = subject.msgsPerSec / target.boundMsgsPerSec;
        checks.push({
          scenario: id,
          met: fraction >= target.atLeast,
          text: `${goal}: ${fraction.toFixed(2)}`,
        });
      } else {
        const goal = `${name} peak RSS < ${target.peakRssMb} MB, drained RSS within ${target.drainedWithinMb} MB of start`;
        if (!subject || subject.drainedRssMb === undefined) {
          checks.push({ scenario: id, met: undefined, text: `${goal}: no complete result` });
          continue;
        }
        const growth = subject.drainedRssMb - subject.startRssMb;
        checks.push({
          scenario: id,
          met: subject.peakRssMb < target.peakRssMb && growth <= target.drainedWithinMb,
          text: `${goal}: peak ${subject.peakRssMb.toFixed(0)} MB, drained ${growth >= 0 ? '+' : ''}${growth.toFixed(0)} MB`,
        });
      }
    }
  return checks;
}

export function targetMark(check: TargetCheck): string {
  return check.met === undefined ? 'n/a' : check.met ? 'met' : 'missed';
}
