/** A mistake in how the command was called: exit status 2, with a message naming the problem. */
import fs from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: O }>>;

/**
 * A command's options and positionals (every command also takes -h/--help); null when help was
 * asked for, and printed; a UsageError (with `help`) for an unknown or malformed option.
 */
export function parseCommand<O extends Options>(argv: string[], options: O, help: string): Parsed<O> | null {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { ...options, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${help}`);
  }
  if (parsed.values.help) {
    process.stdout.write(`${help}\n`);
    return null;
  }
  return parsed as unknown as Parsed<O>;
}

/** The one FILE a command takes, and its text: a UsageError (with `help`) when it is missing or unreadable. */
export function readScriptFile(command: string, positionals: string[], help: string): { file: string; code: string } {
  if (positionals.length !== 1) throw new UsageError(`${command} needs exactly one FILE\n\n${help}`);
  const file = positionals[0];
  try {
    return { file, code: fs.readFileSync(file, 'utf8') };
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** `--data JSON` or `--data @FILE`: the JSON text, checked. */
export function readData(arg: string): string {
  let text = arg;
  let where = '--data';
  if (arg.startsWith('@')) {
    where = arg.slice(1);
    try {
      text = fs.readFileSync(where, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read data file ${where}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  try {
    JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${where} is not valid JSON: ${(err as Error).message}`);
  }
  return text;
}

export function positive(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number, not '${v}'`);
  return n;
}
