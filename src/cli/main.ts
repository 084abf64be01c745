#!/usr/bin/env node
/**
 * The `shoal` command (the package's `bin`): `shoal worker <redis-url> …` joins a machine to a
 * Redis-backed cluster, `shoal broker …` starts a local redis-server for development. Each
 * subcommand lives in its own file and is loaded only when asked for, so `shoal --help` stays fast.
 */
const USAGE = `usage: shoal <command> [options]

commands:
  worker <redis-url>   join a cluster through Redis (shoal worker --help)
  broker               start a local redis-server for development (shoal broker --help)
`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'worker': {
      const code = await (await import('./worker.ts')).runWorker(rest);
      // A stopped worker exits even when Redis went away and abandoned connections still retry.
      process.exit(code);
    }
    case 'broker':
      return (await import('./broker.ts')).runBroker(rest);
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(USAGE);
      return cmd === undefined ? 2 : 0;
    default:
      process.stderr.write(`shoal: unknown command ${JSON.stringify(cmd)}\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`shoal: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
