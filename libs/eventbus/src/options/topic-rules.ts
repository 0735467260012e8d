import { InvalidOptionsError } from '../errors/invalid-options.error';
import { InvalidTopicError } from '../errors/invalid-topic.error';
import type { TransportName } from '../transports/transport.port';

/** A topic consumed (`subscribe`: NATS wildcards allowed) or written to (`publish`: no wildcards). */
export type TopicUse = 'subscribe' | 'publish';

/** Kafka's limit on topic names. */
export const KAFKA_MAX_TOPIC_LENGTH = 249;

const KAFKA_ALLOWED = /^[a-zA-Z0-9._-]+$/;
const KAFKA_FORBIDDEN = /[^a-zA-Z0-9._-]/;
const WHITESPACE = /\s/;

function kafkaProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (name === '.' || name === '..') return `Kafka does not allow "." or ".." as a name`;
  if (name.length > KAFKA_MAX_TOPIC_LENGTH)
    return `Kafka names are at most ${KAFKA_MAX_TOPIC_LENGTH} characters (it has ${name.length})`;
  if (!KAFKA_ALLOWED.test(name)) {
    const bad = KAFKA_FORBIDDEN.exec(name)![0];
    return `Kafka names may hold only ASCII letters, digits, ".", "_" and "-" (found "${bad}")`;
  }
  return undefined;
}

/**
 * NATS subject rules. `noWildcards` is why wildcards are refused in this name; when undefined, `*` and `>`
 * are allowed as whole tokens, `>` only last.
 */
function natsProblem(name: string, noWildcards: string | undefined): string | undefined {
  if (name === '') return 'it is empty';
  if (WHITESPACE.test(name)) return 'NATS subjects may not contain whitespace';
  const tokens = name.split('.');
  for (const [i, token] of tokens.entries()) {
    if (token === '') return 'NATS subjects may not have an empty token (a leading, trailing or double ".")';
    if (!token.includes('*') && !token.includes('>')) continue;
    if (noWildcards !== undefined) return noWildcards;
    if (token !== '*' && token !== '>') return 'NATS wildcards "*" and ">" must be whole tokens';
    if (token === '>' && i !== tokens.length - 1) return 'the NATS wildcard ">" must be the last token';
  }
  return undefined;
}

const NO_WILDCARD_PUBLISH = 'a NATS wildcard ("*", ">") cannot be published to';
const NO_WILDCARD_MEMORY = 'the memory transport has no wildcards ("*", ">")';

function problemOf(transport: TransportName, name: string, use: TopicUse): string | undefined {
  switch (transport) {
    case 'kafka':
      return kafkaProblem(name);
    case 'nats':
      return natsProblem(name, use === 'publish' ? NO_WILDCARD_PUBLISH : undefined);
    case 'memory':
      // The strictest of both, so that tests on memory catch what either broker would refuse.
      return natsProblem(name, NO_WILDCARD_MEMORY) ?? kafkaProblem(name);
  }
}

/**
 * Checks `topic` against the rules of `transport`'s broker, and, while dead-lettering is on
 * (`deadLetterSuffix` set), its dead-letter name `<topic><suffix>` too; throws `InvalidTopicError` naming the
 * topic. Kafka: ASCII letters, digits, `.`, `_`, `-`, at most 249 characters, not `.` or `..`. NATS: no
 * whitespace, `.`-separated non-empty tokens, wildcards `*`/`>` only in a subscribed topic, as whole tokens,
 * `>` last (so `orders.>` is refused while dead-lettering is on: `orders.>.dlq` is no valid subject). Memory:
 * both, without wildcards. The server calls it for every consumed topic at start.
 */
export function checkTopicName(
  transport: TransportName,
  topic: string,
  deadLetterSuffix: string | undefined,
  use: TopicUse = 'subscribe',
): void {
  const problem = typeof topic === 'string' ? problemOf(transport, topic, use) : 'it is not a string';
  if (problem) throw new InvalidTopicError(transport, topic, problem);
  if (deadLetterSuffix === undefined) return;
  const deadLetterTopic = `${topic}${deadLetterSuffix}`;
  const deadLetterProblem = problemOf(transport, deadLetterTopic, use);
  if (deadLetterProblem) {
    throw new InvalidTopicError(
      transport,
      topic,
      `its dead-letter topic "${deadLetterTopic}" would be invalid (${deadLetterProblem}); ` +
        'rename the topic, change deadLetter.suffix, or turn dead-lettering off (deadLetter: false)',
    );
  }
}

/**
 * Checks `deadLetter.suffix` on its own against `transport`'s rules (Kafka's characters; for NATS no
 * whitespace, no wildcard, no empty token; memory both); throws `InvalidOptionsError`.
 */
export function checkDeadLetterSuffix(transport: TransportName, suffix: string): void {
  // A suffix is valid when it makes a valid name of a valid one.
  const problem =
    transport !== 'kafka' && /[*>]/.test(suffix)
      ? 'a dead-letter suffix may not contain a wildcard ("*", ">")'
      : problemOf(transport, `x${suffix}`, 'publish');
  if (problem) {
    throw new InvalidOptionsError('deadLetter.suffix', `valid in ${transport} topic names`, suffix, {
      message: `EventBusModule option "deadLetter.suffix" ("${suffix}") cannot be used on the ${transport} transport: ${problem}.`,
    });
  }
}
