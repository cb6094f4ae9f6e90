import { pooledRandomBytes } from '../common/random/pooled-random-bytes.js';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** A server-made file id: 130 random bits as 26 lowercase base32 characters (URL-safe, like MOLGENIS ids). */
export function newFileId(): string {
  const bytes = pooledRandomBytes(17);
  let bits = 0;
  let value = 0;
  let id = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && id.length < 26) {
      id += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return id;
}

/** Ids a client may choose (Hasura API): bounded, no path characters. Server-made ids match it too. */
export const CLIENT_FILE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isValidFileId(id: string): boolean {
  return CLIENT_FILE_ID.test(id) && id !== '.' && id !== '..';
}
