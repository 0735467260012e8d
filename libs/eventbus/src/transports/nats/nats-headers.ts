import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';

/** Headers the NATS adapter writes besides the message's own headers. */
export const NatsHeaders = {
  /** Ordering key of the message (the aggregate id for domain events); comes back as `InboundMessage.key`. */
  key: 'x-eventbus-key',
} as const;

/**
 * Prefix of JetStream's own control headers (`Nats-Msg-Id`, `Nats-Expected-*`, ...). They are not handed to
 * the core and never copied onto a dead-letter message, where they would change how the server stores it
 * (a copied `Nats-Msg-Id` would make the server drop the dead-letter copy as a duplicate of the original).
 */
const BROKER_HEADER_PREFIX = 'nats-';

/**
 * Builds NATS headers from plain string headers plus the ordering key. NATS header values cannot hold line
 * breaks and lose surrounding spaces: line breaks are replaced by spaces (an error text with a stack trace
 * stays readable on one line).
 */
export function toNatsHeaders(record: Readonly<Record<string, string>>, key: string | undefined): MsgHdrs {
  const h = natsHeaders();
  for (const [name, value] of Object.entries(record)) {
    if (name.toLowerCase().startsWith(BROKER_HEADER_PREFIX) || name === NatsHeaders.key) continue;
    h.set(name, oneLine(value));
  }
  if (key !== undefined) h.set(NatsHeaders.key, oneLine(key));
  return h;
}

/** Reads delivered headers: the message's own headers as strings, and the ordering key. */
export function fromNatsHeaders(h: MsgHdrs | undefined): {
  headers: Record<string, string>;
  key: string | undefined;
} {
  const headers: Record<string, string> = {};
  let key: string | undefined;
  for (const name of h?.keys() ?? []) {
    if (name === NatsHeaders.key) key = h!.get(name);
    else if (!name.toLowerCase().startsWith(BROKER_HEADER_PREFIX)) headers[name] = h!.get(name);
  }
  return { headers, key };
}

function oneLine(value: string): string {
  return String(value).replace(/[\r\n]+/g, ' ');
}
