import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface DatabaseStatus {
  reachable: boolean;
  migrationsApplied: boolean;
  kind: 'postgres' | 'embedded';
  error?: string;
}

@Injectable()
export class DatabaseHealth {
  constructor(private readonly dataSource: DataSource) {}

  async check(kind: 'postgres' | 'embedded'): Promise<DatabaseStatus> {
    try {
      await this.dataSource.query('SELECT 1');
      const pending = await this.dataSource.showMigrations();
      return { reachable: true, migrationsApplied: !pending, kind };
    } catch (error) {
      return { reachable: false, migrationsApplied: false, kind, error: (error as Error).message };
    }
  }
}
