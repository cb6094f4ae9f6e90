const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a UUID (any version): ids of users, tokens and grants are checked before they reach a uuid column. */
export const isUuid = (value: string): boolean => UUID.test(value);
