// The TME process: reads configuration, starts, prints the one line that
// tells operators and tests where it listens, and shuts down on SIGTERM/SIGINT.
import { startTme } from './app.ts';
import { ConfigError, helpText, loadConfig, type TmeConfig } from './config.ts';

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(helpText());
    return;
  }
  let config: TmeConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`tme: ${error.message}\nRun with --help for the list of variables.`);
    process.exitCode = 2;
    return;
  }

  const tme = await startTme(config);
  console.log(`tme listening http=${hostPort(config.host, tme.httpPort)} grpc=${hostPort(config.host, tme.grpcPort)}`);

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    // A second signal while draining means "now".
    if (stopping) process.exit(1);
    stopping = true;
    console.error(`tme: ${signal} received, shutting down`);
    tme.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('tme: shutdown failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  console.error('tme: failed to start:', error);
  process.exit(1);
});
