/**
 * Kafka offsets of one partition replayed out of order (above the committed offset), as the commit's metadata
 * text: ascending, runs written as ranges (`"5,7-9"`). Unreadable text counts as none.
 */
export function parseReplayedOffsets(text: string | null | undefined): Set<number> {
  const offsets = new Set<number>();
  for (const part of (text ?? '').split(',')) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!match) continue;
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    for (let o = from; o <= to && o - from < 1_000_000; o++) offsets.add(o);
  }
  return offsets;
}

export function formatReplayedOffsets(offsets: Iterable<number>): string {
  const sorted = [...new Set(offsets)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/**
 * After replaying `replayed` (offsets of one partition), the new committed offset (every offset below it is
 * replayed) and the offsets replayed above it.
 */
export function advanceReplayed(
  committed: number,
  above: ReadonlySet<number>,
  replayed: Iterable<number>,
): { committed: number; above: Set<number> } {
  const all = new Set(above);
  for (const o of replayed) if (o >= committed) all.add(o);
  let next = committed;
  while (all.delete(next)) next++;
  return { committed: next, above: all };
}
