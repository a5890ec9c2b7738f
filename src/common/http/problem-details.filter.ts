import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { DomainError } from '../errors/domain-error.js';
import { describeErrorCode, problemTypeFor } from '../errors/error-catalog.js';
import { MAX_LISTED_PROBLEMS } from './input-rules.js';
import { PROBLEM_CONTENT_TYPE, type ProblemDocument } from './problem-document.js';

const HTTP_STATUS_TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  406: 'Not acceptable',
  409: 'Conflict',
  408: 'Request timeout',
  413: 'Payload too large',
  414: 'URI too long',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  429: 'Too many requests',
  431: 'Request header fields too large',
  503: 'Service unavailable',
};

/** Builds the problem document for any error; the single place errors become HTTP answers. */
export function problemFor(
  error: unknown,
  request: { url: string; id: string },
  logger: Logger,
): { problem: ProblemDocument; headers: Record<string, string> } {
  const base = { instance: instanceOf(request.url), requestId: request.id };
  const headers: Record<string, string> = {};

  if (error instanceof DomainError) {
    const { status, title } = describeErrorCode(error.code);
    if (error.retryAfterSeconds !== undefined)
      headers['retry-after'] = String(Math.max(0, Math.ceil(error.retryAfterSeconds)));
    // RFC 9110: a 401 says how to authenticate.
    if (status === 401) headers['www-authenticate'] = challengeFor(error);
    const listed = error.errors?.slice(0, MAX_LISTED_PROBLEMS);
    const problem: ProblemDocument = {
      ...error.extensions,
      type: problemTypeFor(error.code),
      title,
      status,
      detail:
        error.errors && error.errors.length > MAX_LISTED_PROBLEMS
          ? `${error.message} (${error.errors.length} problems; the first ${MAX_LISTED_PROBLEMS} are listed)`
          : error.message,
      ...base,
      code: error.code,
      ...(listed ? { errors: listed, errorCount: error.errors?.length } : {}),
    };
    if (status >= 500) logger.warn(`${request.id} ${status} ${error.code}: ${error.message}`);
    return { problem, headers };
  }

  const httpStatus = httpStatusOf(error);
  if (httpStatus !== undefined && httpStatus < 500) {
    const code = HTTP_STATUS_TITLES[httpStatus]?.toLowerCase().replace(/ /g, '_') ?? `http_${httpStatus}`;
    return {
      problem: {
        type: problemTypeFor(code),
        title: HTTP_STATUS_TITLES[httpStatus] ?? 'Request error',
        status: httpStatus,
        detail: clientMessageOf(error, httpStatus),
        ...base,
        code,
      },
      headers,
    };
  }

  // Anything else is our bug or an unplanned failure: log it in full under an id, tell the client only the id.
  const errorId = randomUUID();
  logger.error({ err: error, errorId, requestId: request.id }, `Unhandled error ${errorId} on ${request.url}`);
  return {
    problem: {
      type: problemTypeFor('internal_error'),
      title: 'Internal server error',
      status: 500,
      detail: `An unexpected error occurred. Quote error id ${errorId} when reporting it.`,
      ...base,
      errorId,
      code: 'internal_error',
    },
    headers,
  };
}

/** The path the problem is about; a path of absurd length is cut rather than echoed back whole. */
const MAX_INSTANCE_LENGTH = 256;
function instanceOf(url: string): string {
  const path = url.split('?')[0] ?? url;
  return path.length > MAX_INSTANCE_LENGTH ? `${path.slice(0, MAX_INSTANCE_LENGTH)}…` : path;
}

/** `WWW-Authenticate` of a 401: the webhook source's own scheme for a refused delivery, the API key otherwise. */
function challengeFor(error: DomainError): string {
  const scheme = error.extensions['authScheme'];
  const source = typeof error.extensions['source'] === 'string' ? error.extensions['source'] : 'webhooks';
  if (scheme === 'basic') return `Basic realm="webhook ${source}", charset="UTF-8"`;
  if (scheme === 'standard') return `Webhook-Signature realm="webhook ${source}"`;
  if (scheme === 'shared-secret') return `Shared-Secret realm="webhook ${source}"`;
  return 'Bearer realm="api", ApiKey realm="api", header="X-API-Key"';
}

function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof HttpException) return error.getStatus();
  // Fastify's own errors (body too large, bad JSON, unsupported media type) carry a statusCode.
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 600 ? statusCode : undefined;
}

/** Fastify's error code, also when Nest wrapped Fastify's error into an HttpException (as its `cause`). */
function fastifyCodeOf(error: unknown): unknown {
  const own = (error as { code?: unknown } | null)?.code;
  if (typeof own === 'string' && own.startsWith('FST_')) return own;
  return ((error as { cause?: unknown } | null)?.cause as { code?: unknown } | undefined)?.code;
}

/** Fastify's own errors, in words a client can act on (their messages echo the URL or name Fastify internals). */
const FRAMEWORK_MESSAGES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body exceeds the size limit',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported Content-Type: send the body as application/json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The JSON body is empty',
  FST_ERR_CTP_INVALID_JSON_BODY: 'The body is not valid JSON',
  FST_ERR_BAD_URL: 'The URL is not valid: a percent-encoded part is malformed or not UTF-8',
  FST_ERR_MAX_PARAM_LENGTH: 'A path parameter is too long',
};

function clientMessageOf(error: unknown, status: number): string {
  const code = fastifyCodeOf(error);
  const known = typeof code === 'string' ? FRAMEWORK_MESSAGES[code] : undefined;
  if (known) return known;
  if (error instanceof SyntaxError) return 'The body is not valid JSON';
  if (error instanceof HttpException) {
    const response = error.getResponse();
    if (typeof response === 'string') return response;
    const message = (response as { message?: unknown }).message;
    if (typeof message === 'string') return message;
    if (Array.isArray(message)) return message.join('; ');
  }
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' && message.length < 300
    ? message
    : (HTTP_STATUS_TITLES[status] ?? 'Request error');
}

export function sendProblem(reply: FastifyReply, problem: ProblemDocument, headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) void reply.header(name, value);
  void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** The methods the path has routes for, when the request matched no route (its method is not among them). */
function allowedMethods(request: FastifyRequest): string[] {
  const path = request.url.split('?')[0] ?? request.url;
  const allowed = METHODS.filter((method) => request.server.findRoute({ method, url: path }) !== null);
  // The router's lookup and the request's routing can differ on odd spellings (a trailing slash read as an empty
  // parameter): a path that "allows" the very method that missed is not a 405.
  return allowed.includes(request.method as (typeof METHODS)[number]) ? [] : allowed;
}

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    // Nest answers every unmatched request with 404; a path that exists under other methods deserves 405 and Allow.
    const unmatched = error instanceof NotFoundException && request.is404;
    const allowed = unmatched ? allowedMethods(request) : [];
    let effective = error;
    if (allowed.length > 0) {
      effective = new HttpException(
        `${request.method} is not allowed on this path; allowed: ${allowed.join(', ')}`,
        HttpStatus.METHOD_NOT_ALLOWED,
      );
    } else if (unmatched) {
      // Nest's own text echoes the whole URL, however long.
      effective = new NotFoundException(`No route matches ${request.method} ${instanceOf(request.url)}`);
    }
    const { problem, headers } = problemFor(effective, { url: request.url, id: String(request.id) }, this.logger);
    if (allowed.length > 0) headers['allow'] = allowed.join(', ');
    if (reply.sent) return;
    sendProblem(reply, problem, headers);
  }
}
