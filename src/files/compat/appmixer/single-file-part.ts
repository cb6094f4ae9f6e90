import busboy from 'busboy';
import type { Request } from 'express';
import { PassThrough, Readable } from 'node:stream';
import { DomainError, badRequest } from '../../../common/errors/domain-error.js';
import { ErrorCode } from '../../../common/errors/error-code.js';

/** The `file` part of a multipart body, as a stream of its bytes. */
export interface FilePart {
  stream: Readable;
  /** The part's filename, undefined when it named none. */
  filename?: string;
  mimeType: string;
}

/** Besides the one file: a few small fields (huge-uploader's postParams), nothing more. */
const LIMITS = { files: 1, fields: 20, parts: 21, fieldSize: 64 * 1024, headerPairs: 100 };

/**
 * Streams the single `file` part of a multipart/form-data request into `handle` (which typically writes it to
 * storage). The part's stream ends only after the whole body was parsed, so that a second file part, or a
 * malformed body, fails the write (and the storage provider leaves nothing behind) instead of committing it.
 */
export function receiveSingleFilePart<T>(req: Request, handle: (part: FilePart) => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: LIMITS });
    } catch (error) {
      reject(
        new DomainError(
          ErrorCode.UnsupportedMediaType,
          `Send multipart/form-data with a boundary and a 'file' part (${(error as Error).message}).`,
        ),
      );
      return;
    }
    let body: PassThrough | undefined;
    let failure: Error | undefined;
    const fail = (error: Error) => {
      if (failure) return;
      failure = error;
      req.unpipe(parser);
      if (body) body.destroy(error);
      else reject(error);
    };

    parser.on('file', (name, file, info) => {
      if (failure || body) {
        file.resume();
        return;
      }
      if (name !== 'file') {
        file.resume();
        fail(badRequest(`The file part must be named 'file', not '${name}'.`));
        return;
      }
      body = new PassThrough();
      file.on('error', (error) => fail(badRequest(`Malformed multipart body: ${error.message}`)));
      file.pipe(body, { end: false });
      const part = { stream: body, filename: info.filename, mimeType: info.mimeType };
      // A handler that throws at once (a name it refuses) fails the upload like one that rejects later.
      new Promise<T>((settle) => settle(handle(part))).then(resolve, (error: Error) => {
        failure ??= error;
        // Nobody reads the rest: stop parsing (the error filter closes the connection on an unread body).
        req.unpipe(parser);
        file.unpipe(body);
        file.resume();
        reject(error);
      });
    });
    parser.on('field', (name) => {
      if (name === 'file') fail(badRequest("The 'file' part must be a file (send it with a filename)."));
    });
    parser.on('filesLimit', () => fail(badRequest("Send exactly one file part, named 'file'.")));
    parser.on('partsLimit', () => fail(badRequest(`A multipart body here has at most ${LIMITS.parts} parts.`)));
    parser.on('fieldsLimit', () => fail(badRequest(`A multipart body here has at most ${LIMITS.fields} fields.`)));
    parser.on('error', (error: Error) => fail(badRequest(`Malformed multipart body: ${error.message}`)));
    parser.on('close', () => {
      if (failure) return;
      if (!body) fail(badRequest("The multipart body has no 'file' part."));
      else body.end();
    });
    req.on('aborted', () => fail(new DomainError(ErrorCode.UploadAborted, 'The client went away before the upload finished.')));
    req.pipe(parser);
  });
}
