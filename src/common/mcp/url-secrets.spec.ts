import { describe, expect, it } from '@jest/globals';
import { credentialsInUrl, redactUrl, SecretScrubber } from './url-secrets.js';

describe('MCP URL secrets', () => {
  it('redacts user-info and secret-looking query parameters, keeping the rest', () => {
    expect(redactUrl('https://bob:hunter2@mcp.example.com/mcp?api_key=k1&access_token=t1&sig=s&region=eu')).toBe(
      'https://REDACTED@mcp.example.com/mcp?api_key=REDACTED&access_token=REDACTED&sig=REDACTED&region=eu',
    );
    expect(redactUrl('http://127.0.0.1:8124/mcp')).toBe('http://127.0.0.1:8124/mcp');
  });

  it('names what a URL carries without repeating it', () => {
    expect(credentialsInUrl('https://bob:hunter2@h/mcp?apikey=1&page=2')).toEqual([
      'a user name or password before the host',
      'the query parameter "apikey"',
    ]);
    expect(credentialsInUrl('https://h/mcp?page=2')).toEqual([]);
  });

  it('scrubs a URL, its credentials and the bearer token from free text in any spelling', () => {
    const scrubber = new SecretScrubber();
    scrubber.add('http://bob:p%40ss-word@h:1/mcp?token=tok/en+1', 'bearer-0123456789');
    const text =
      'fetch http://bob:p%40ss-word@h:1/mcp?token=tok/en+1 failed; password p@ss-word, token tok%2Fen%2B1, ' +
      'header Bearer bearer-0123456789';
    const scrubbed = scrubber.scrub(text);
    for (const secret of ['p%40ss-word', 'p@ss-word', 'tok/en+1', 'tok%2Fen%2B1', 'bearer-0123456789', 'bob'])
      expect(scrubbed).not.toContain(secret);
    expect(scrubbed).toContain('http://REDACTED@h:1/mcp?token=REDACTED');
  });
});
