import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TEST_API_KEY } from './test-app.js';

const MAIN = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));

export interface ChildApp {
  process: ChildProcess;
  baseUrl: string;
  apiKey: string;
  /** Everything the process printed so far. */
  output(): string;
  /** Resolves with the exit code (or the signal name) when the process ends. */
  exited: Promise<number | string>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
}

/**
 * Runs the built application (`dist/src/main.js`, built by `npm test`'s pretest) as a real child process, for tests
 * about signals and crashes. Resolves once it listens and /health/ready answers 200.
 */
export async function startChildApp(env: Record<string, string>, timeoutMs = 60_000): Promise<ChildApp> {
  const child = spawn(process.execPath, ['--enable-source-maps', MAIN], {
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'production',
      // Production behaviour (JSON logs, production guards) against the sandbox servers, asked for by name.
      MCP_EMBEDDED_SANDBOXES: 'true',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: '0',
      API_KEYS: TEST_API_KEY,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );

  const deadline = Date.now() + timeoutMs;
  let baseUrl: string | undefined;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`App exited early (${child.exitCode}):\n${output}`);
    const match = /listening on (http:\/\/localhost:\d+)/.exec(output);
    if (match?.[1]) {
      baseUrl = match[1].replace('localhost', '127.0.0.1');
      const ready = await fetch(`${baseUrl}/health/ready`).catch(() => undefined);
      if (ready?.status === 200) break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (!baseUrl) {
    child.kill('SIGKILL');
    throw new Error(`App did not become ready within ${timeoutMs} ms:\n${output}`);
  }
  return {
    process: child,
    baseUrl,
    apiKey: TEST_API_KEY,
    output: () => output,
    exited,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
