import type { SandboxDefinition, SandboxName } from './sandbox-definition.js';
import type { SandboxFaults } from './sandbox-faults.js';
import { SandboxHost, type SandboxHostOptions, type SandboxStats, type SandboxToolList } from './sandbox-host.js';
import type { SandboxWebhookConfig } from './webhook-dispatcher.js';

export interface SandboxServerHandle {
  readonly name: SandboxName;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string;
  /** `baseUrl + '/mcp'` */
  readonly url: string;
  /** Closes the listener, sessions and sockets; state is kept. */
  stop(): Promise<void>;
  /** Listens again on the same port with the same state: together with `stop()`, an upstream restart. */
  start(): Promise<void>;
  /** Stops and cancels pending webhook deliveries. */
  close(): Promise<void>;
  setFaults(faults: SandboxFaults): void;
  clearFaults(): void;
  dropSessions(): Promise<void>;
  setWebhook(webhook: SandboxWebhookConfig | null): void;
  /** Hides or restores tools (announcing the change) and sets the tool list's `ttlMs` hint. */
  setToolList(list: SandboxToolList): void;
  stats(): SandboxStats;
  /** Rebuilds the data from the seed (drops open sessions). */
  reset(seed?: number): Promise<void>;
  /**
   * Starts another listener on the same data (a free port unless given): a second replica of this upstream. Its
   * `stop()` closes only that listener and its sockets; `close()` of this handle stops it too.
   */
  startReplica(port?: number): Promise<SandboxReplicaHandle>;
}

export interface SandboxReplicaHandle {
  readonly port: number;
  readonly baseUrl: string;
  readonly url: string;
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

function handleFor<State>(host: SandboxHost<State>): SandboxServerHandle {
  return {
    name: host.name,
    get port() {
      return host.port;
    },
    get baseUrl() {
      return host.baseUrl;
    },
    get url() {
      return `${host.baseUrl}/mcp`;
    },
    stop: () => host.stop(),
    start: () => host.start(),
    close: () => host.close(),
    setFaults: (faults) => host.setFaults(faults),
    clearFaults: () => host.clearFaults(),
    dropSessions: async () => {
      await host.dropSessions();
    },
    setWebhook: (webhook) => host.setWebhook(webhook),
    setToolList: (list) => host.setToolList(list),
    stats: () => host.stats(),
    reset: (seed) => host.reset(seed),
    startReplica: async (port) => {
      const replica = host.createReplica(port);
      await replica.start();
      return {
        get port() {
          return replica.port;
        },
        get baseUrl() {
          return replica.baseUrl;
        },
        get url() {
          return `${replica.baseUrl}/mcp`;
        },
        stop: () => replica.stop(),
        start: () => replica.start(),
      };
    },
  };
}

/** Builds the state of `definition` and serves it; what `startSandboxServer` does for the registered definitions. */
export async function startSandboxHost<State>(
  definition: SandboxDefinition<State>,
  options: SandboxHostOptions = {},
): Promise<SandboxServerHandle> {
  const host = new SandboxHost(definition, options);
  await host.start();
  return handleFor(host);
}
