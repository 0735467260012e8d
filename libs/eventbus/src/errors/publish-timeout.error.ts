/** A publish was not confirmed by the broker within `publishTimeoutMs`; it may or may not have been written. */
export class PublishTimeoutError extends Error {
  override readonly name = 'PublishTimeoutError';

  constructor(
    readonly topic: string,
    readonly timeoutMs: number,
  ) {
    super(`Publishing to "${topic}" was not confirmed within ${timeoutMs} ms (publishTimeoutMs).`);
  }
}
