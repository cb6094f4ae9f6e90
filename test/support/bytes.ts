/** supertest `.parse()` that keeps any response body as raw bytes (supertest leaves binary types unbuffered). */
export const collectBytes = (response: unknown, callback: (error: Error | null, body: Buffer) => void): void => {
  const res = response as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
  res.on('error', (error: Error) => callback(error, Buffer.alloc(0)));
};
