import { AuditModule } from '../audit/audit.module.js';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { QuotaService } from './quotas/quota.service.js';
import { UserUsageRepository } from './quotas/user-usage.repository.js';
import { IdpUsersService } from './idp-users.service.js';
import { User } from './user.entity.js';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([User]), AuditModule],
  controllers: [UsersController],
  providers: [UsersService, UserUsageRepository, QuotaService, IdpUsersService],
  exports: [UsersService, QuotaService, IdpUsersService],
})
export class UsersModule {}
