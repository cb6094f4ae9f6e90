// See cjs-on-esm-nest.transform.mjs: the NestJS modules CommonJS packages get when they require() them under Jest.
import * as common from '@nestjs/common';
import * as core from '@nestjs/core';

(globalThis as Record<symbol, unknown>)[Symbol.for('stowage.jest.esm')] = { '@nestjs/common': common, '@nestjs/core': core };
