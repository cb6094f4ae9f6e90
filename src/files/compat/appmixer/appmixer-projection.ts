import { badRequest } from '../../../common/errors/domain-error.js';
import { AppmixerFileDto } from './appmixer-file.dto.js';

type Key = keyof AppmixerFileDto;
const KEYS: readonly Key[] = ['length', 'chunkSize', 'uploadDate', 'filename', 'md5', 'metadata', 'contentType', 'fileId'];
/** `metadata.userId` names the only nested field; it stands for `metadata`. */
const ALIASES: Record<string, Key> = { 'metadata.userId': 'metadata' };

/** `field1,field2` keeps only those fields; `-field1,-field2` drops them; a mix is refused. Empty: every field. */
export function parseProjection(raw: string | undefined): ReadonlySet<Key> {
  if (raw === undefined || raw.trim() === '') return new Set(KEYS);
  const parts = raw.split(',').map((part) => part.trim());
  const excluding = parts[0].startsWith('-');
  const named = parts.map((part) => {
    if (part.startsWith('-') !== excluding) throw badRequest('projection either keeps fields (a,b) or drops them (-a,-b), not both.');
    const name = excluding ? part.slice(1) : part;
    const key = (KEYS as readonly string[]).includes(name) ? (name as Key) : Object.hasOwn(ALIASES, name) ? ALIASES[name] : undefined;
    if (!key) throw badRequest(`'${name}' is not a field of a file; projection takes: ${KEYS.join(', ')}.`);
    return key;
  });
  return new Set(excluding ? KEYS.filter((key) => !named.includes(key)) : named);
}

export function project(file: AppmixerFileDto, keys: ReadonlySet<Key>): Partial<AppmixerFileDto> {
  if (keys.size === KEYS.length) return file;
  return Object.fromEntries(KEYS.filter((key) => keys.has(key)).map((key) => [key, file[key]]));
}
