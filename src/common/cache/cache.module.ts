import { Global, Module } from '@nestjs/common';
import { CacheService } from './cache.service.js';

/** The application-wide read-through cache; global, so feature modules inject `CacheService` without importing this. */
@Global()
@Module({ providers: [CacheService], exports: [CacheService] })
export class CacheModule {}
