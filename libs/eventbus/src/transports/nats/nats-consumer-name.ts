/** Longest readable part of a consumer name; longer names are cut and told apart by the hash suffix. */
const MAX_READABLE_LENGTH = 96;

/**
 * Name of the durable pull consumer of `subject` for the `durable` prefix: `<durable>_<subject>` with every
 * character a consumer name cannot hold (anything but letters, digits, `-` and `_`) replaced by `_`. When
 * anything was replaced or cut, an 8-hex-digit hash of the original pair is appended, so different subjects
 * never share a consumer (`orders.placed` and `orders_placed` differ).
 *
 * Examples: (`orders-svc`, `orders`) -> `orders-svc_orders`;
 * (`orders-svc`, `orders.placed`) -> `orders-svc_orders_placed_<hash>`.
 * With `provision: false`, create the consumers under these names.
 */
export function natsConsumerName(durable: string, subject: string): string {
  const original = `${durable}_${subject}`;
  const readable = original.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, MAX_READABLE_LENGTH);
  return readable === original ? readable : `${readable}_${fnv1a(original)}`;
}

/** 32-bit FNV-1a hash as 8 hex digits. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
