import { jetstreamIoScenario } from './jetstream-io.scenario';
import { jetstreamNoopScenario } from './jetstream-noop.scenario';
import { jetstreamScaleScenario } from './jetstream-scale.scenario';
import { kafkaIoScenario } from './kafka-io.scenario';
import { kafkaNoopScenario } from './kafka-noop.scenario';
import { memoryScaleScenario } from './memory-scale.scenario';
import type { Scenario } from './scenario';

/** Every scenario, in report order. */
export const SCENARIOS: readonly Scenario[] = [
  kafkaIoScenario,
  kafkaNoopScenario,
  jetstreamIoScenario,
  jetstreamNoopScenario,
  jetstreamScaleScenario,
  memoryScaleScenario,
];
