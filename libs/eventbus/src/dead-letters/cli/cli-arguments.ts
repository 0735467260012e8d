import { parseArgs } from 'node:util';
import type { EventBusModuleOptions } from '../../options/event-bus.options';
import type { ReplaySelection } from '../dead-letter-queue';
import { CliUsageError } from './cli-usage.error';

export const USAGE = `Usage:
  nest-ordered-eventbus dlq list   --transport kafka|nats --topic <topic> [connection] [--limit <n>] [--json]
  nest-ordered-eventbus dlq replay --transport kafka|nats --topic <topic> [connection] (--ids <id,...> | --all) [--json]
  nest-ordered-eventbus --help

Connection:
  --brokers <host:port,...>   Kafka bootstrap brokers (default localhost:9092)
  --servers <url,...>         nats-server addresses (default nats://localhost:4222)
  --stream <name>             JetStream stream of the topic (default EVENTS)
  --suffix <suffix>           dead-letter suffix (default .dlq; one starting with - as --suffix=-dlq)

<topic> is the original topic: its dead letters are read from <topic><suffix>.
Exit codes: 0 done, 1 failed (broker unreachable, replay failed), 2 wrong command line.`;

/** One parsed command line. */
export interface CliCommand {
  readonly command: 'list' | 'replay';
  readonly topic: string;
  readonly options: EventBusModuleOptions;
  readonly limit: number;
  readonly selection: ReplaySelection | undefined;
  readonly json: boolean;
}

/** Parses `dlq list|replay ...`; throws `CliUsageError` with what is wrong. */
export function parseCliArguments(argv: readonly string[]): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        transport: { type: 'string' },
        topic: { type: 'string' },
        brokers: { type: 'string' },
        servers: { type: 'string' },
        stream: { type: 'string' },
        suffix: { type: 'string' },
        limit: { type: 'string' },
        ids: { type: 'string' },
        all: { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new CliUsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [group, command, ...extra] = positionals;
  if (group !== 'dlq' || (command !== 'list' && command !== 'replay') || extra.length > 0) {
    throw new CliUsageError(`expected "dlq list" or "dlq replay", got "${positionals.join(' ')}"`);
  }
  const transport = values.transport;
  if (transport !== 'kafka' && transport !== 'nats') {
    throw new CliUsageError(`--transport must be kafka or nats, got ${transport ?? 'nothing'}`);
  }
  if (!values.topic) throw new CliUsageError('--topic is required');
  const list = (text: string | undefined) =>
    text
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const options: EventBusModuleOptions = {
    transport,
    ...(transport === 'kafka'
      ? {
          kafka: {
            brokers: list(values.brokers) ?? ['localhost:9092'],
            clientId: 'nest-ordered-eventbus-cli',
          },
        }
      : {
          nats: {
            servers: list(values.servers) ?? ['nats://localhost:4222'],
            stream: values.stream ?? 'EVENTS',
          },
        }),
    ...(values.suffix ? { deadLetter: { suffix: values.suffix } } : {}),
  };
  const limit = values.limit === undefined ? 100 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new CliUsageError(`--limit must be a positive integer`);
  let selection: ReplaySelection | undefined;
  if (command === 'replay') {
    const ids = list(values.ids);
    if (values.all && ids) throw new CliUsageError('give either --ids or --all, not both');
    if (values.all) selection = { all: true };
    else if (ids && ids.length > 0) selection = { ids };
    else throw new CliUsageError('replay needs --ids <id,...> or --all');
  } else if (values.all || values.ids) {
    throw new CliUsageError('--ids and --all belong to replay');
  }
  return { command, topic: values.topic, options, limit, selection, json: values.json ?? false };
}
