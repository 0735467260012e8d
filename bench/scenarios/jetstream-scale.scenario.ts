import { jetstreamIoScenario } from './jetstream-io.scenario';
import type { Scenario } from './scenario';

/**
 * JetStream, I/O-bound, scaled out: the data set and handler of the JetStream I/O scenario, published and
 * consumed with `nats.partitions: 6` by 1, 2 and 3 instances (one process each) on one durable, holding 6, 3 and
 * 2 partitions each. Completeness and per-aggregate order are checked over all instances' handlings together.
 */
export const jetstreamScaleScenario: Scenario = {
  id: 'jetstream-scale',
  title: 'JetStream, I/O-bound handler (5 ms), 6 partitions, 1 to 3 instances',
  broker: 'nats',
  shape: jetstreamIoScenario.shape,
  quickShape: jetstreamIoScenario.quickShape,
  handlerDelayMs: jetstreamIoScenario.handlerDelayMs,
  natsPartitions: 6,
  contenders: ['eventbus-1-instance', 'eventbus-2-instances', 'eventbus-3-instances'],
};
