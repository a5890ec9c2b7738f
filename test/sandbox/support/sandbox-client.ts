import { type CallToolResult, Client, SdkHttpError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

export interface TestClient {
  client: Client;
  transport: StreamableHTTPClientTransport;
  /** Calls a tool and returns the raw result (isError results included). */
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** Calls a tool, fails the test on an error result, and returns its structuredContent. */
  json<T = Record<string, unknown>>(name: string, args?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

/** Connects an SDK client over Streamable HTTP; `close()` also ends the server-side session. */
export async function connectClient(url: string, options: { token?: string } = {}): Promise<TestClient> {
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  const client = new Client({ name: 'sandbox-test', version: '1.0.0' });
  await client.connect(transport);
  const call = async (name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> =>
    await client.callTool({ name, arguments: args });
  return {
    client,
    transport,
    call,
    json: async <T>(name: string, args: Record<string, unknown> = {}): Promise<T> => {
      const result = await call(name, args);
      if (result.isError) {
        const text = result.content.map((c) => (c.type === 'text' ? c.text : c.type)).join(' ');
        throw new Error(`${name} failed: ${text}`);
      }
      return result.structuredContent as T;
    },
    close: async () => {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    },
  };
}

/** The text of a tool result's text items, for asserting on error messages. */
export function resultText(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

export { waitFor } from '../../support/eventually.js';

/** The HTTP status carried by an SDK transport error (`SdkHttpError.status`). */
export function httpStatusOf(error: unknown): number | undefined {
  return error instanceof SdkHttpError ? error.status : undefined;
}

/** Rejection of `promise` (fails when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}
