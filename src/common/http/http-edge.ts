import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { ValidationFailedError } from '../errors/domain-error.js';
import { MAX_JSON_DEPTH, bodyProblems, exceedsJsonDepth, parameterProblems } from './input-rules.js';
import { problemFor, sendProblem } from './problem-details.filter.js';

/**
 * What happens to a request before any controller, guard or interceptor sees it: which bodies are parsed and how, and
 * the input rules of `input-rules.ts`, checked for every route (webhooks included) so that nothing the database cannot
 * hold reaches an upstream call or a write. Errors Fastify answers on its own (bad URLs, over-long path parameters,
 * parser failures) are answered as problem+json like every other error; malformed HTTP is `slow-clients.ts`'s.
 */

const logger = new Logger('HttpEdge');

/** Fastify options of the edge; spread into the adapter's options. */
export function httpEdgeOptions(): Pick<FastifyServerOptions, 'frameworkErrors'> {
  return {
    // Errors raised before a route is known (a URL that does not decode, a path parameter over the length limit).
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      const { problem, headers } = problemFor(error, { url: request.url, id: String(request.id) }, logger);
      sendProblem(reply, problem, headers);
    },
  };
}

/** Registers the body parser and the input check on the Fastify instance (before the application initialises). */
export function installHttpEdge(fastify: FastifyInstance): void {
  // JSON only: Fastify's text/plain parser (and a form parser) would hand a JSON text to validation as a string.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer;
    // Webhook signatures are checked over the exact bytes received.
    (request as FastifyRequest & { rawBody?: Buffer }).rawBody = raw;
    if (raw.length === 0) {
      done(new ValidationFailedError([{ field: '(body)', rule: 'required', message: 'The JSON body is empty' }]));
      return;
    }
    if (exceedsJsonDepth(raw)) {
      done(
        new ValidationFailedError(
          [
            {
              field: '(body)',
              rule: 'maxDepth',
              message: `JSON may nest arrays and objects at most ${MAX_JSON_DEPTH} levels deep`,
            },
          ],
          'The JSON body is nested too deeply',
        ),
      );
      return;
    }
    try {
      done(null, JSON.parse(raw.toString('utf8')));
    } catch (error) {
      done(
        new ValidationFailedError(
          [{ field: '(body)', rule: 'json', message: (error as Error).message.slice(0, 200) }],
          'The body is not valid JSON',
        ),
      );
    }
  });

  fastify.addHook('preValidation', async (request) => {
    // No route, nothing stored or called: a 404 stays a 404 whatever the path holds.
    if (request.is404) return;
    const problems = [
      ...parameterProblems(request.params as Record<string, unknown> | undefined, 'path parameter'),
      ...parameterProblems(request.query as Record<string, unknown> | undefined, 'query parameter'),
      ...parameterProblems(request.headers, 'header'),
      ...bodyProblems(request.body),
    ];
    if (problems.length === 0) return;
    throw new ValidationFailedError(
      problems,
      problems.some((problem) => problem.rule === 'forbiddenKey')
        ? 'The request holds a forbidden property name'
        : 'The request holds text that cannot be stored',
    );
  });
}
