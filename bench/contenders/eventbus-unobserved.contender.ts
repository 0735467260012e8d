import type { ContenderFactory } from '../lib/contender';
import { eventBusContender } from './eventbus.contender';

/** This library with metrics and tracing turned off: the baseline of observability's cost. */
export const createContender: ContenderFactory = (job, handle) =>
  eventBusContender(job, handle, { metrics: false, tracing: false });
