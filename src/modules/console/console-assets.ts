import fastifyStatic from '@fastify/static';
import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the console is served; the browser app reads the API under /api/integration with the key the user signs in with. */
export const CONSOLE_PREFIX = '/console/';

/**
 * The built console (`npm run build` writes it to `dist/console`), found from this module whether it runs compiled
 * (`dist/src/…`) or from source (tests): the project root is the nearest folder with a package.json.
 */
export function consoleAssetsDir(from = fileURLToPath(import.meta.url)): string | null {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      const built = join(dir, 'dist', 'console');
      return existsSync(join(built, 'index.html')) ? built : null;
    }
    if (dirname(dir) === dir) return null;
  }
}

// The page loads only its own hashed files and talks only to this origin; uPlot sizes its canvas with style attributes.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * Serves the console's static files without an API key: they hold no data (like /docs). Every call the page makes goes
 * to the key-protected API. Hashed assets are cached for a year, index.html never (it names the current hashes).
 */
export async function installConsole(fastify: FastifyInstance): Promise<void> {
  const root = consoleAssetsDir();
  if (!root) {
    new Logger('Console').warn('The console is not built (dist/console is missing): run `npm run build`');
    return;
  }
  // Bookmarks without the trailing slash land on the page (relative asset URLs need the slash).
  fastify.get('/console', (_request, reply) => reply.redirect(CONSOLE_PREFIX, 301));
  await fastify.register(fastifyStatic, {
    root,
    prefix: CONSOLE_PREFIX,
    index: ['index.html'],
    dotfiles: 'deny',
    cacheControl: false,
    setHeaders: (reply: FastifyReply, path: string) => {
      void reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
      void reply.header('x-content-type-options', 'nosniff');
      void reply.header('referrer-policy', 'no-referrer');
      void reply.header(
        'cache-control',
        path.includes(`${join('console', 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
}
