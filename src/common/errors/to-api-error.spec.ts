import { describe, expect, it } from '@jest/globals';
import { NotFoundException } from '@nestjs/common';
import { DomainError } from './domain-error.js';
import { renderError } from './error-body.js';
import { ErrorCode } from './error-code.js';
import { toApiError } from './to-api-error.js';
import { dialectOf } from './api-dialect.js';

describe('errors', () => {
  it('maps domain errors by code, keeping their headers', () => {
    const error = toApiError(new DomainError(ErrorCode.RangeNotSatisfiable, 'nope', { 'Content-Range': 'bytes */10' }));
    expect(error).toMatchObject({ status: 416, code: 'RANGE_NOT_SATISFIABLE', headers: { 'Content-Range': 'bytes */10' } });
  });

  it('maps Nest HTTP exceptions, body-parser errors, a database outage and a full disk', () => {
    expect(toApiError(new NotFoundException('Cannot GET /x'))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(toApiError(Object.assign(new Error('too big'), { status: 413, expose: true, type: 'entity.too.large' }))).toMatchObject({
      status: 413,
    });
    expect(toApiError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toMatchObject({
      status: 503,
      code: 'DATABASE_UNAVAILABLE',
    });
    expect(toApiError(Object.assign(new Error('no space'), { code: 'ENOSPC' }))).toMatchObject({ status: 507, code: 'STORAGE_FULL' });
  });

  it("takes Node's error for a client that went away for an aborted upload, not a database outage", () => {
    expect(toApiError(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }))).toMatchObject({ status: 400, code: 'UPLOAD_ABORTED' });
    expect(toApiError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', syscall: 'read' }))).toMatchObject({
      status: 503,
      code: 'DATABASE_UNAVAILABLE',
    });
  });

  it('hides unexpected errors behind a generic 500', () => {
    const error = toApiError(new TypeError('secret internals'));
    expect(error).toMatchObject({ status: 500, code: 'INTERNAL' });
    expect(error.message).not.toContain('secret');
  });

  it('picks the dialect from the path', () => {
    expect(dialectOf('/v1/file/abc')).toBe('hasura');
    expect(dialectOf('/v1/file')).toBe('hasura');
    expect(dialectOf('/files/metadata/x')).toBe('appmixer');
    expect(dialectOf('/files')).toBe('appmixer');
    expect(dialectOf('/api/files/x')).toBe('molgenis');
    expect(dialectOf('/filesystem')).toBe('molgenis');
  });

  it('renders each dialect in its own shape', () => {
    const error = toApiError(new DomainError(ErrorCode.FileNotFound, 'gone'));
    expect(renderError('molgenis', error, { path: '/api/files/x' })).toMatchObject({
      contentType: 'application/problem+json',
      body: {
        status: 404,
        title: 'Not Found',
        detail: 'gone',
        code: 'FILE_NOT_FOUND',
        errors: [{ code: 'FILE_NOT_FOUND', message: 'gone' }],
      },
    });
    expect(renderError('appmixer', error, { path: '/files/x' }).body).toMatchObject({
      statusCode: 404,
      error: 'Not Found',
      message: 'gone',
    });
    expect(renderError('hasura', error, { path: '/v1/file/x' }).body).toEqual({ error: 'gone', code: 'FILE_NOT_FOUND' });
  });
});
