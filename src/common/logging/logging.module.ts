import { type DynamicModule, Module } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config.js';
import { serializeError } from './safe-errors.js';

/**
 * Paths pino blanks out wherever they appear in a log line: credentials and personal data must never reach the logs
 * (README, "Logs"). Request and response bodies are not logged at all; errors go through `serializeError`.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.headers["webhook-signature"]',
  'req.headers["x-webhook-secret"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.apiKey',
  '*.token',
  '*.authorization',
  '*.parameters',
  '*.email',
  '*.phone',
  '*.firstName',
  '*.lastName',
];

/** The fixed paths, and the header that carries webhook shared secrets when it is not the default one. */
export function redactedPaths(config: AppConfig): string[] {
  const sharedSecret = `req.headers["${config.webhooks.sharedSecretHeader}"]`;
  return REDACTED_PATHS.includes(sharedSecret) ? REDACTED_PATHS : [...REDACTED_PATHS, sharedSecret];
}

const QUIET_ROUTES = new Set(['/health/live', '/health/ready', '/metrics']);

@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logging.level,
            redact: { paths: redactedPaths(config), censor: '[redacted]' },
            genReqId: (req: IncomingMessage) => (req as IncomingMessage & { id?: string }).id ?? 'unknown',
            customProps: (req: IncomingMessage) => ({ requestId: (req as IncomingMessage & { id?: string }).id }),
            autoLogging: { ignore: (req: IncomingMessage) => QUIET_ROUTES.has((req.url ?? '').split('?')[0] ?? '') },
            serializers: {
              err: serializeError,
              req: (req: { id: string; method: string; url: string; headers: Record<string, unknown> }) => ({
                id: req.id,
                method: req.method,
                url: req.url,
                headers: req.headers,
              }),
            },
            ...(config.logging.format === 'pretty'
              ? { transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } } }
              : {}),
          },
        }),
      ],
      exports: [LoggerModule],
    };
  }
}
