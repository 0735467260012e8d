#!/usr/bin/env node
import { runCli } from './run-cli';

/** `npx nest-ordered-eventbus dlq list|replay ...`: see `USAGE` in cli-arguments.ts. */
void runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(text),
  interactive: process.stderr.isTTY === true,
}).then((code) => {
  process.exitCode = code;
  // Every connection is closed by now; should a broker client keep a handle open, do not hang a script.
  setTimeout(() => process.exit(code), 2_000).unref();
});
