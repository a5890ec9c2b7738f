import {
  SANDBOX_NAMES,
  sandboxStateFile,
  startAvinodeLiveServer,
  startSandboxServer,
  type SandboxServerHandle,
} from './index.js';
import { loadSandboxConfig } from './sandbox-config.js';

/**
 * Standalone sandbox process (`npm run sandbox [-- --only apollo] [--profile official] [--data-dir <dir>]`); the only place in src/sandbox
 * reading the env, except `SANDBOX_MCP_PROTOCOL`, which a host also reads when not given an era so that a whole test run
 * switches era with one variable.
 */
async function main(): Promise<void> {
  const config = loadSandboxConfig(process.env, process.argv.slice(2));
  const names = config.only ? [config.only] : SANDBOX_NAMES;
  const handles: SandboxServerHandle[] = [];
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`[sandbox] ${signal}: stopping`);
    void Promise.all(handles.map((h) => h.close())).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  try {
    for (const name of names) {
      const started = Date.now();
      if (name === 'avinode' && config.avinodeLive) {
        const live = await startAvinodeLiveServer(config.avinodeLive, {
          host: config.host,
          port: config.ports.avinode,
          authToken: config.authTokens.avinode,
          admin: config.admin,
          sessionIdleMs: config.sessionIdleMs,
        });
        handles.push(live);
        // The base URL only: the tokens are never printed.
        console.log(
          `[sandbox] avinode MCP server (live mode) on http://${config.host}:${live.port}/mcp over the Avinode REST API ` +
            `at ${config.avinodeLive.baseUrl} (${Date.now() - started} ms; ` +
            `${config.authTokens.avinode ? 'bearer token required' : 'no auth'})`,
        );
        continue;
      }
      const handle = await startSandboxServer(name, {
        protocol: config.protocol,
        host: config.host,
        port: config.ports[name],
        seed: config.seed,
        now: config.now,
        size: name === 'apollo' ? config.apolloSize : undefined,
        ...(name === 'apollo' ? { profile: config.apolloProfile } : {}),
        authToken: config.authTokens[name],
        admin: config.admin,
        sessionIdleMs: config.sessionIdleMs,
        webhook: config.webhooks[name],
        ...(config.dataDir ? { stateFile: sandboxStateFile(config.dataDir, name) } : {}),
        ...(name === 'avinode' && config.avinodeTripFlow ? { tripFlow: config.avinodeTripFlow } : {}),
      });
      handles.push(handle);
      const extras = [
        config.protocol === 'session' ? 'session-based MCP only' : 'MCP 2026-07-28 and session-based',
        ...(name === 'apollo' ? [`${config.apolloProfile} tools`] : []),
        config.authTokens[name] ? 'bearer token required' : 'no auth',
        config.admin ? `admin at ${handle.baseUrl}/admin` : 'admin off',
        config.webhooks[name] ? `webhooks to ${config.webhooks[name].url}` : 'no webhooks',
        ...(name === 'avinode' && config.avinodeTripFlow
          ? [`trip flow at ${config.avinodeTripFlow.minuteMs} ms per simulated minute`]
          : []),
        config.dataDir ? `data kept in ${sandboxStateFile(config.dataDir, name)}` : 'data not kept',
      ];
      console.log(
        `[sandbox] ${name} MCP server on http://${config.host}:${handle.port}/mcp (seed ${config.seed}, ` +
          `${Date.now() - started} ms; ${extras.join(', ')})`,
      );
    }
  } catch (error) {
    await Promise.all(handles.map((h) => h.close()));
    throw error;
  }
}

main().catch((error: unknown) => {
  console.error(`[sandbox] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
