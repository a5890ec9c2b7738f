/**
 * `npm run live-check -- <server>`: read-only calls to a real upstream with the configured credentials (today:
 * `avinode`). One of the entry points of src/sandbox that read the environment.
 */
import { runAvinodeLiveCheck } from './avinode-live/live-check.js';

async function main(): Promise<number> {
  const target = process.argv[2];
  if (target !== 'avinode') {
    console.error(`live-check: expected a server name: avinode (got ${target ?? 'nothing'})`);
    return 64;
  }
  const { exitCode, lines } = await runAvinodeLiveCheck(process.env);
  for (const line of lines) (exitCode === 78 ? console.error : console.log)(line);
  return exitCode;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`live-check: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
