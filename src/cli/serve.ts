/** `scriptforge serve`: the server, configured from the environment (see README). */
import { configFromEnv, startServer } from '../server/index.js';
import { UsageError } from './usage.js';

export async function serveCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`Usage: scriptforge serve

Environment:
  PORT                    port to listen on (default 8080)
  HOST                    address to listen on (default 127.0.0.1)
  SCRIPTFORGE_DATA_DIR    folder of the SQLite database (default ./data)
  SCRIPTFORGE_ADMIN_KEY   the operator key (default: one is made on first start and printed once)
  SCRIPTFORGE_WORKERS     sandbox worker processes (default: one per core)
`);
    return 0;
  }
  if (argv.length > 0) throw new UsageError(`serve takes no arguments (configure it with environment variables; see scriptforge serve --help)`);
  let cfg;
  try {
    cfg = configFromEnv();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const server = await startServer(cfg);
  process.stdout.write(`ScriptForge listening on ${server.url} (API docs at ${server.url}/docs)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      void server.close().then(resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return 0;
}
