// The bench's and the fault suite's command lines: strict, so a typo stops the run before it starts
// servers instead of silently measuring the wrong thing.
import { TemporalServerUnreachableError } from '@temporal-patterns/temporal-harness';

/** Prints `problem` and the usage to stderr and exits 2, the exit code for a bad command line. */
export function usageError(usage: string, problem: string): never {
  console.error(`${problem}\n\n${usage}`);
  process.exit(2);
}

/**
 * Runs `parse` (a strict `parseArgs` over the arguments it is given, with a `help` flag): `--help`
 * prints the usage and exits 0; an unknown flag, a missing or unexpected value or a positional prints
 * the problem and the usage to stderr and exits 2.
 */
export function parseCommandLine<V extends { help?: boolean }>(
  usage: string,
  parse: (args: string[]) => { values: V },
  args: string[] = process.argv.slice(2),
): V {
  let values: V;
  try {
    ({ values } = parse(args));
  } catch (err) {
    // Node's first sentence names the problem; the rest is about positionals, which we take none of.
    usageError(usage, (err as Error).message.split('. ')[0] as string);
  }
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  return values;
}

/** The comma-separated `value` of `--flag` as a list, after checking every item is one of `known`. */
export function listOf<T extends string>(
  usage: string,
  flag: string,
  value: string | undefined,
  known: readonly T[],
): T[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').filter(Boolean);
  const unknown = items.filter((item) => !known.includes(item as T));
  if (unknown.length || !items.length) {
    usageError(
      usage,
      `${flag}=${value}: ${unknown.length ? `unknown ${unknown.join(', ')}; ` : ''}known: ${known.join(', ')}`,
    );
  }
  return items as T[];
}

/** What the driver prints when it dies: one line for an unreachable server, the error otherwise. */
export function explainFailure(err: unknown): unknown {
  return err instanceof TemporalServerUnreachableError ? err.message : err;
}
