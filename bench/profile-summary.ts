// `node --import @swc-node/register/esm-register bench/profile-summary.ts <file> [--top 40] [--messages N]`:
// prints where a contender process spent its time or its allocations, from a V8 CPU profile (`.cpuprofile`,
// BENCH_CPU_PROF) or a sampling allocation profile (`.heapprofile`, BENCH_ALLOC_PROF). Rows are functions by
// self time or self bytes, largest first, as a share of the whole; with `--messages N` bytes are also given per
// message. A CPU profile spans the whole process (start-up and idle waiting included).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface CpuProfile {
  readonly nodes: readonly { id: number; callFrame: CallFrame }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}
interface HeapNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children: readonly HeapNode[];
}
interface HeapProfile {
  readonly head: HeapNode;
  readonly samples: readonly { nodeId: number; size: number }[];
}

/** `name file:line`, with the path shortened to the package or to the project's own source. */
const siteOf = ({ functionName, url, lineNumber }: CallFrame) =>
  `${functionName || '(anonymous)'} ${url.replace(/.*node_modules\/(?!\.cache)/, '').replace(/.*eventbus-bench\/[^/]+\//, '')}:${lineNumber + 1}`;

/** Self cost per call site: CPU microseconds or sampled bytes. */
function selfCosts(profile: CpuProfile | HeapProfile): Map<string, number> {
  const costs = new Map<string, number>();
  const add = (frame: CallFrame, cost: number) =>
    costs.set(siteOf(frame), (costs.get(siteOf(frame)) ?? 0) + cost);
  if ('timeDeltas' in profile) {
    const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
    profile.samples.forEach((id, i) => add(frames.get(id)!, profile.timeDeltas[i] ?? 0));
  } else {
    const bytes = new Map<number, number>();
    for (const s of profile.samples) bytes.set(s.nodeId, (bytes.get(s.nodeId) ?? 0) + s.size);
    const visit = (node: HeapNode): void => {
      add(node.callFrame, bytes.get(node.id) ?? 0);
      node.children.forEach(visit);
    };
    visit(profile.head);
  }
  return costs;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '40' }, messages: { type: 'string' } },
});
if (positionals.length !== 1) {
  console.error('usage: profile-summary.ts <file.cpuprofile|file.heapprofile> [--top 40] [--messages N]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as CpuProfile | HeapProfile;
const costs = selfCosts(profile);
const total = [...costs.values()].reduce((a, b) => a + b, 0);
const messages = values.messages ? Number(values.messages) : undefined;
const cpu = 'timeDeltas' in profile;
console.log(
  cpu
    ? `CPU ${(total / 1000).toFixed(0)} ms`
    : `allocated ${(total / 1e6).toFixed(0)} MB${messages ? `, ${(total / messages).toFixed(0)} bytes per message` : ''}`,
);
for (const [site, cost] of [...costs].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) {
  const perMessage = !cpu && messages ? ` ${(cost / messages).toFixed(0).padStart(6)} B/msg` : '';
  console.log(`${((100 * cost) / total).toFixed(1).padStart(5)}%${perMessage}  ${site}`);
}
