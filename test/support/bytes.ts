/** supertest `.parse()` that keeps any response body as raw bytes (supertest leaves binary types unbuffered). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const collectBytes = (res: any, callback: (error: Error | null, body: Buffer) => void): void => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
};
