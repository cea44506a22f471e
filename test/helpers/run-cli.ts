// Runs the CLI from source (through tsx) so process tests never depend on a stale dist/.
import { main } from '../../src/cli.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
