import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ReadableStreamReadResult } from 'node:stream/web';

/**
 * The v2 SDK's HTTP transports speak web-standard `Request`/`Response`; the sandbox serves plain node:http. These two
 * functions are the whole bridge (the SDK's own Node adapter would bring a web framework along for the same job).
 */

/**
 * A `Request` for a node:http request whose body the host has already read. Its signal aborts when the client goes
 * away before the reply is complete, so an SSE stream the SDK holds open is released.
 */
export function toWebRequest(req: IncomingMessage, res: ServerResponse, body: string | undefined): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  const abort = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  return new Request(url, {
    method,
    headers,
    signal: abort.signal,
    ...(method === 'GET' || method === 'HEAD' || body === undefined ? {} : { body }),
  });
}

/** Writes a `Response` to node:http, streaming its body (an SSE reply) chunk by chunk. */
export async function sendWebResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name === 'set-cookie') return;
    headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  res.writeHead(response.status, response.statusText, headers);
  if (!response.body) {
    res.end();
    return;
  }
  res.flushHeaders();
  const reader = response.body.getReader();
  const cancel = (): void => void reader.cancel().catch(() => undefined);
  res.once('close', cancel);
  try {
    for (;;) {
      const chunk: ReadableStreamReadResult<Uint8Array> = await reader.read();
      if (chunk.done) break;
      if (res.destroyed) return;
      res.write(chunk.value);
    }
    res.end();
  } catch {
    // The stream was cancelled (client gone) or the SDK closed it abruptly: nothing more to send.
    if (!res.destroyed) res.destroy();
  } finally {
    res.off('close', cancel);
  }
}
