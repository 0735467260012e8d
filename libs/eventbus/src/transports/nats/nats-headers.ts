import type { JsMsg } from '@nats-io/jetstream';
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
    if (isBrokerHeader(name) || name === NatsHeaders.key) continue;
    h.set(name, oneLine(value));
  }
  if (key !== undefined) h.set(NatsHeaders.key, oneLine(key));
  return h;
}

/** The message's own headers as strings (the first value of a repeated name), and the ordering key. */
export interface ReadHeaders {
  headers: Record<string, string>;
  key: string | undefined;
}

/** Reads delivered headers: the message's own headers as strings, and the ordering key. */
export function fromNatsHeaders(h: MsgHdrs | undefined): ReadHeaders {
  const read: ReadHeaders = { headers: {}, key: undefined };
  if (h) for (const [name, values] of h) addHeader(read, name, values[0] ?? '');
  return read;
}

/**
 * `fromNatsHeaders(msg.headers)` without nats.js decoding the header block into its `MsgHdrs` (which costs about
 * a third of what a delivered message allocates): the block is read from the message's bytes when the nats.js
 * message exposes them as nats.js 3 does, through `msg.headers` otherwise.
 */
export function readDeliveredHeaders(msg: JsMsg): ReadHeaders {
  const block = headerBlock(msg);
  return block === undefined ? fromNatsHeaders(msg.headers) : parseHeaderBlock(block);
}

/** The raw `NATS/1.0\r\n...` header block of a delivered message, when nats.js exposes it (3.x); else undefined. */
export function headerBlock(msg: JsMsg): Uint8Array | undefined {
  const inner = (msg as unknown as { msg?: { _msg?: { hdr?: unknown }; _rdata?: unknown } }).msg;
  const end = inner?._msg?.hdr;
  const data = inner?._rdata;
  if (typeof end !== 'number' || !(data instanceof Uint8Array)) return undefined;
  return end > 0 ? data.subarray(0, end) : EMPTY;
}

/**
 * Reads a header block as nats.js does (`MsgHdrsImpl.decode`): after the status line, one `name: value` per
 * CRLF-terminated line, the value trimmed; lines without a colon are skipped.
 */
export function parseHeaderBlock(block: Uint8Array): ReadHeaders {
  const read: ReadHeaders = { headers: {}, key: undefined };
  if (block.byteLength === 0) return read;
  const text = utf8.decode(block);
  let start = text.indexOf('\r\n');
  while (start !== -1 && start < text.length) {
    start += 2;
    let end = text.indexOf('\r\n', start);
    if (end === -1) end = text.length;
    const colon = text.indexOf(':', start);
    if (colon !== -1 && colon < end) {
      const name = text.slice(start, colon);
      const seen = name === NatsHeaders.key ? read.key !== undefined : Object.hasOwn(read.headers, name);
      if (!seen) addHeader(read, name, trimmedSlice(text, colon + 1, end));
    }
    start = end;
  }
  return read;
}

/** `text.slice(from, to).trim()` without the untrimmed copy (a value follows ": "). */
function trimmedSlice(text: string, from: number, to: number): string {
  while (from < to && isTrimmed(text.charCodeAt(from))) from++;
  while (to > from && isTrimmed(text.charCodeAt(to - 1))) to--;
  return text.slice(from, to);
}

/** What `String.prototype.trim` removes (ASCII whitespace and the Unicode spaces it knows). */
function isTrimmed(code: number): boolean {
  return code <= 0x20
    ? code === 0x20 || (code >= 0x09 && code <= 0x0d)
    : code >= 0x80 && String.fromCharCode(code).trim() === '';
}

function addHeader(read: ReadHeaders, name: string, value: string): void {
  if (name === NatsHeaders.key) read.key = value;
  else if (!isBrokerHeader(name)) read.headers[name] = value;
}

/** Whether the name starts with `BROKER_HEADER_PREFIX`, in any case (without a lower-cased copy: hot path). */
function isBrokerHeader(name: string): boolean {
  if (name.length < BROKER_HEADER_PREFIX.length) return false;
  const last = BROKER_HEADER_PREFIX.length - 1; // the '-'
  for (let i = 0; i < last; i++) {
    // `| 0x20` lower-cases an ASCII letter.
    if ((name.charCodeAt(i) | 0x20) !== BROKER_HEADER_PREFIX.charCodeAt(i)) return false;
  }
  return name.charCodeAt(last) === BROKER_HEADER_PREFIX.charCodeAt(last);
}

const EMPTY = new Uint8Array(0);
const utf8 = new TextDecoder();

function oneLine(value: string): string {
  return String(value).replace(/[\r\n]+/g, ' ');
}
