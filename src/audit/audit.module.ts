import { Module } from '@nestjs/common';
import { AuditPruner } from './audit-pruner.js';
import { AuditController } from './audit.controller.js';
import { AuditRepository } from './audit.repository.js';
import { AuditService } from './audit.service.js';

/** Who did what, when, from where: recorded by the services through AuditService (docs/audit.md). */
@Module({
  controllers: [AuditController],
  providers: [AuditRepository, AuditService, AuditPruner],
  exports: [AuditService],
})
export class AuditModule {}
