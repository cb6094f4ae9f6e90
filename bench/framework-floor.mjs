// The framework floor: a minimal NestJS app on the same adapter as the service (Express), answering the same small
// JSON as the floor from a controller. No auth, no database: what the framework alone costs per request.
// Plain .mjs, so the decorators are applied as functions. Usage: node bench/framework-floor.mjs <port>
import 'reflect-metadata';
import { Controller, Get, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

const ANSWER = {
  id: 'cnvbn5cth3dbtkxfdzwi3pjuu4',
  filename: 'small.bin',
  contentType: 'application/octet-stream',
  size: 4096,
  sha256: '0'.repeat(64),
  md5: '0'.repeat(32),
};

class FileMetaController {
  get(id) {
    return { ...ANSWER, id };
  }
}
Controller('api/files')(FileMetaController);
Get(':id')(FileMetaController.prototype, 'get', Object.getOwnPropertyDescriptor(FileMetaController.prototype, 'get'));
Param('id')(FileMetaController.prototype, 'get', 0);

class FrameworkFloorModule {}
Module({ controllers: [FileMetaController] })(FrameworkFloorModule);

const app = await NestFactory.create(FrameworkFloorModule, { logger: ['error', 'warn'] });
await app.listen(Number(process.argv[2] ?? 0), '127.0.0.1');
console.log(`listening ${app.getHttpServer().address().port}`);
