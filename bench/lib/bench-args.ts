/** Command-line options of `npm run bench`. */
export interface BenchArgs {
  /** Small data sets, so a whole run takes under a minute. */
  readonly quick: boolean;
  /** Runs per contender; the report shows medians. Default 1. */
  readonly repeat: number;
  /** Scenario ids to run; all when empty. */
  readonly only: string[];
  /** Contender ids to run; all of each scenario's when empty. */
  readonly contenders: string[];
  /** Where the report goes. Default `bench/results`. */
  readonly out: string | undefined;
}

export const USAGE =
  'usage: bench/run.ts [--quick] [--repeat N] [--only scenario,...] [--contenders id,...] [--out dir]';

/** Parses the arguments; throws with the usage line on anything it does not know. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const args = {
    quick: false,
    repeat: 1,
    only: [] as string[],
    contenders: [] as string[],
    out: undefined as string | undefined,
  };
  const list = (value: string | undefined) =>
    (value ?? '')
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2) as [string, string | undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--quick':
        args.quick = true;
        break;
      case '--repeat': {
        const repeat = Number(value());
        if (!Number.isInteger(repeat) || repeat < 1)
          throw new Error(`--repeat needs a positive integer\n${USAGE}`);
        args.repeat = repeat;
        break;
      }
      case '--only':
        args.only = list(value());
        break;
      case '--contenders':
        args.contenders = list(value());
        break;
      case '--out':
        args.out = value();
        if (!args.out) throw new Error(`--out needs a directory\n${USAGE}`);
        break;
      default:
        throw new Error(`unknown argument '${argv[i]}'\n${USAGE}`);
    }
  }
  return args;
}
