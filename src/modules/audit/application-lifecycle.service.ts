import { type BeforeApplicationShutdown, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { AppConfig } from '../../common/config/app-config.js';
import { APP_VERSION } from '../../common/version.js';
import { ApplicationStarted, ApplicationStopping } from './application-lifecycle.events.js';
import { publishAndWait } from '../../common/events/publish.js';

@Injectable()
export class ApplicationLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly events: EventEmitter2,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await publishAndWait(
      this.events,
      new ApplicationStarted({ version: APP_VERSION, database: this.config.database.kind, pid: process.pid }),
    );
  }

  // Awaited so the entry is written before the database pool closes.
  async beforeApplicationShutdown(signal?: string): Promise<void> {
    await publishAndWait(
      this.events,
      new ApplicationStopping({ signal, uptimeSeconds: Math.round(process.uptime()), pid: process.pid }),
    );
  }
}
