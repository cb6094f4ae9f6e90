/** The file fields a listing may filter and sort on: a closed set, each bound to one fixed SQL column. */
export type ListFieldType = 'string' | 'number' | 'date';

export interface ListField {
  /** The entity property on the `f` alias (TypeORM maps it to its column); never built from user input. */
  column: string;
  type: ListFieldType;
  /** `~` (case-insensitive substring) is offered only where it means something. */
  substring?: boolean;
}

export const LIST_FIELDS = {
  id: { column: 'f.id', type: 'string' },
  filename: { column: 'f.filename', type: 'string', substring: true },
  contentType: { column: 'f.contentType', type: 'string', substring: true },
  size: { column: 'f.size', type: 'number' },
  createdAt: { column: 'f.createdAt', type: 'date' },
  md5: { column: 'f.md5', type: 'string' },
  sha256: { column: 'f.sha256', type: 'string' },
  ownerId: { column: 'f.ownerId', type: 'string' },
} as const satisfies Record<string, ListField>;

export type ListFieldName = keyof typeof LIST_FIELDS;

/** How one API dialect names the fields (the names its clients see in responses). */
export type FieldNames = Readonly<Record<string, ListFieldName>>;

export const APPMIXER_FIELD_NAMES: FieldNames = {
  fileId: 'id',
  filename: 'filename',
  contentType: 'contentType',
  length: 'size',
  uploadDate: 'createdAt',
  md5: 'md5',
  userId: 'ownerId',
  'metadata.userId': 'ownerId',
};

export const NATIVE_FIELD_NAMES: FieldNames = {
  id: 'id',
  filename: 'filename',
  contentType: 'contentType',
  size: 'size',
  createdAt: 'createdAt',
  md5: 'md5',
  sha256: 'sha256',
  owner: 'ownerId',
};
