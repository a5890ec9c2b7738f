import { Global, Module } from '@nestjs/common';
import { ShutdownDrain } from './shutdown-drain.js';

@Global()
@Module({ providers: [ShutdownDrain], exports: [ShutdownDrain] })
export class LifecycleModule {}
