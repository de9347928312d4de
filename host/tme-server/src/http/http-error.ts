// An error that already knows its HTTP answer; handlers throw it and the
// router turns it into `{"error": message}`.
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}
