/** 32-bit FNV-1a hash of the UTF-8 bytes of `text`, as an unsigned integer (Go's `hash/fnv.New32a`). */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Partition of an ordering key among `partitions`: `fnv1a32(key) % partitions`, the mapping of nats-server's
 * `partition(n, ...)` subject transform for a key made of one subject token, so a later server-side mapping agrees.
 */
export function partitionOf(key: string, partitions: number): number {
  return fnv1a32(key) % partitions;
}
