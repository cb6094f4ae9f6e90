/** The events Stowage sends to WEBHOOK_URLS (docs/webhooks.md). */
export enum WebhookEventType {
  FileCreated = 'file.created',
  FileDeleted = 'file.deleted',
  FileShared = 'file.shared',
}

/** What an event says about its file: the metadata, never the bytes or the storage key. */
export interface WebhookFile {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  ownerId: string | null;
}

export interface WebhookPayload {
  /** The event's id: the same in every receiver's delivery, and across retries. */
  id: string;
  type: WebhookEventType;
  occurredAt: string;
  data: { file: WebhookFile; grant?: { userId: string | null; role: string | null; permission: string } };
}

/** An event not yet queued: `fileId` ties it to the row whose change it reports (see WebhookOutbox). */
export interface WebhookEvent {
  fileId: string;
  payload: WebhookPayload;
}

export const toWebhookFile = (file: WebhookFile): WebhookFile => ({
  id: file.id,
  filename: file.filename,
  contentType: file.contentType,
  size: Number(file.size),
  sha256: file.sha256,
  ownerId: file.ownerId,
});
