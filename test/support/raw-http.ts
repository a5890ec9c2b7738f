import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  /** Header names lower-cased; the last value wins. */
  headers: Record<string, string>;
  /** What arrived of the body before the socket closed or `maxBodyBytes` was reached. */
  body: string;
}

export interface RawRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Stop reading once this much body has arrived (an endless stream such as SSE). Default: read to the end. */
  maxBodyBytes?: number;
  /** Give up (reject) after this long without an answer; a bound for the test, not a timing assertion. */
  timeoutMs?: number;
}

/**
 * One HTTP/1.1 request over a bare socket with the request target sent byte for byte as given: no client normalises,
 * re-encodes or rejects the path (`fetch`, `http.request` and undici all do one of those for some of the tricks).
 */
export function rawRequest(port: number, target: string, options: RawRequestOptions = {}): Promise<RawResponse> {
  const { method = 'GET', body, maxBodyBytes = Infinity, timeoutMs = 15_000 } = options;
  const headers: Record<string, string> = { host: `127.0.0.1:${port}`, connection: 'close', ...options.headers };
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  const head =
    `${method} ${target} HTTP/1.1\r\n` +
    Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('') +
    '\r\n';
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) return reject(error);
      const parsed = parse(Buffer.concat(chunks));
      if (parsed) resolve(parsed);
      else reject(new Error(`No HTTP response for ${method} ${target.slice(0, 200)}`));
    };
    const timer = setTimeout(
      () => finish(new Error(`No answer within ${timeoutMs} ms: ${method} ${target}`)),
      timeoutMs,
    );
    socket.on('connect', () => {
      socket.write(Buffer.from(head, 'utf8'));
      if (body !== undefined) socket.write(body);
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const parsed = parse(Buffer.concat(chunks));
      if (parsed && Buffer.byteLength(parsed.body) >= maxBodyBytes) finish();
    });
    socket.on('end', () => finish());
    socket.on('close', () => finish());
    socket.on('error', (error) => {
      // The server may answer and close before it read the whole request; keep what arrived.
      if (chunks.length > 0) finish();
      else finish(error);
    });
  });
}

function parse(data: Buffer): RawResponse | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match?.[1]) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(match[1]), headers, body: data.subarray(end + 4).toString('utf8') };
}
