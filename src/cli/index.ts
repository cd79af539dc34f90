/**
 * The `scriptforge` command. Each subcommand is one file; this one only dispatches.
 * Exit status: 0 success, 1 the script failed, 2 bad usage.
 */
import { callCommand } from './call.js';
import { runCommand } from './run.js';
import { pullCommand, pushCommand } from './remote.js';
import { serveCommand } from './serve.js';
import { UsageError } from './usage.js';

const USAGE = `Usage: scriptforge <command> [options]

Commands:
  serve      start the server (HTTP API, SQLite store, sandbox workers); see serve --help
  push FILE  save FILE as a new version on a server and deploy it   [--server URL --key KEY]
  pull ID    write a script's deployed code to a file               [--server URL --key KEY]
  run FILE   run a script locally, no server needed
             [--type script|app|driver] [--fn NAME] [--data JSON | --data @FILE]
             [--timeout MS] [--memory MB] [--isolation fresh|reuse] [--json]
  call FILE  run a Class 5 voice script against a simulated call, print its timeline
             [--data JSON] [--dtmf "1@1500,2@1700"] [--hangup-after MS] [--json]

Run 'scriptforge <command> --help' for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
      return runCommand(rest);
    case 'call':
      return callCommand(rest);
    case 'serve':
      return serveCommand(rest);
    case 'push':
      return pushCommand(rest);
    case 'pull':
      return pullCommand(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command '${command}'\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`scriptforge: ${err.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`scriptforge: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = 70;
    }
  },
);
