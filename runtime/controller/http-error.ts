/** An error a route throws to answer with this status and `{"error": message}`. */
import type { ContentfulStatusCode } from "hono/utils/http-status";

export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    /** Extra response headers (`Allow`, `Retry-After`, `Connection`). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}
