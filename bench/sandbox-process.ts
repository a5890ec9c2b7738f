// Shared by the benchmarks: a sandbox MCP server in a child process of its own.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';

/**
 * The sandbox runs in its own process, as a real upstream would: sharing this process's event loop would make the
 * benchmark measure the server's CPU as much as the client's.
 */
export async function startSandboxProcess(): Promise<{ url: string; stop: () => Promise<void> }> {
  const entry = resolve(process.cwd(), 'dist/src/sandbox/main.js');
  const child: ChildProcess = spawn(process.execPath, [entry, '--only', 'apollo'], {
    env: { ...process.env, SANDBOX_APOLLO_PORT: '0', SANDBOX_SEED: '42' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolveUrl, reject) => {
    let output = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      output += chunk;
      const match = /apollo MCP server on (http:\/\/\S+\/mcp)/.exec(output);
      if (match?.[1]) resolveUrl(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited with ${code}: ${output}`)));
  });
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}
