/**
 * Partitions `self` should own among the live `members` of one durable: members are sorted by id and partition
 * `p` goes to member `p % members.length`, so every member owns `floor(N / M)` or `ceil(N / M)` partitions and all
 * members that see the same member list agree. Empty when `self` is not among the members.
 */
export function assignedPartitions(members: readonly string[], self: string, partitions: number): number[] {
  const sorted = [...new Set(members)].sort();
  const index = sorted.indexOf(self);
  if (index < 0) return [];
  const owned: number[] = [];
  for (let p = index; p < partitions; p += sorted.length) owned.push(p);
  return owned;
}
