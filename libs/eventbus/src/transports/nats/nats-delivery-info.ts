import type { JsMsg } from '@nats-io/jetstream';

/** What the adapter reads of a delivered JetStream message's delivery info. */
export interface DeliveryInfo {
  readonly streamSequence: number;
  /** 1 for the first delivery, 2 after one redelivery, ... */
  readonly deliveryCount: number;
  /** When the stream stored the message (epoch ms). */
  readonly timestampMs: number;
}

/** Dot positions of the subject being read (reused: reading is synchronous). */
const dots = new Int32Array(12);

/**
 * Reads the delivery info from the message's reply subject as nats.js's `JsMsg.info` does
 * (`$JS.ACK.[<domain>.<account hash>.]<stream>.<consumer>.<deliveries>.<stream seq>.<consumer seq>.<time ns>.<pending>[...]`),
 * without splitting it into strings: this runs for every delivered message. Falls back to `msg.info` (which
 * throws) for a subject of another shape.
 */
export function readDeliveryInfo(msg: JsMsg): DeliveryInfo {
  // nats.js 3 `JsMsg` implementations expose the reply subject (not part of the interface).
  const reply = (msg as JsMsg & { readonly reply?: unknown }).reply;
  if (typeof reply !== 'string') return fromNats(msg);
  let count = 0;
  for (let at = reply.indexOf('.'); at !== -1 && count < dots.length; at = reply.indexOf('.', at + 1)) {
    dots[count++] = at;
  }
  const tokens = count + 1;
  if (!reply.startsWith('$JS.ACK.') || (tokens !== 9 && tokens < 11)) return fromNats(msg);
  const first = tokens === 9 ? 4 : 6; // the <deliveries> token; the short form lacks domain and account hash
  const deliveryCount = decimal(reply, first);
  const streamSequence = decimal(reply, first + 1);
  const timestampNanos = decimal(reply, first + 3);
  if (Number.isNaN(deliveryCount + streamSequence + timestampNanos)) return fromNats(msg);
  return { streamSequence, deliveryCount, timestampMs: Math.floor(timestampNanos / 1_000_000) };
}

/** The decimal number of token `index` (NaN when it is empty or holds anything but digits). */
function decimal(subject: string, index: number): number {
  const from = dots[index - 1]! + 1;
  const to = dots[index]!;
  if (to <= from) return Number.NaN;
  let n = 0;
  for (let i = from; i < to; i++) {
    const digit = subject.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return Number.NaN;
    n = n * 10 + digit;
  }
  return n;
}

function fromNats(msg: JsMsg): DeliveryInfo {
  const { streamSequence, deliveryCount, timestampNanos } = msg.info;
  return { streamSequence, deliveryCount, timestampMs: Math.floor(timestampNanos / 1_000_000) };
}
