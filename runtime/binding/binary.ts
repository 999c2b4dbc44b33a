/**
 * Bytes with a content type: what an http-client gets for an `image/png` or
 * `audio/mpeg` reply, and what the media hints (`as image`, `as audio;base64`, ...)
 * make. In JSON (a run's output, the API) it is `{content_type, base64}`, so the bytes
 * survive every path that serializes values; `as base64` gives the base64 text and
 * `as text` the bytes decoded as UTF-8.
 */
export class Binary {
  readonly content_type: string;
  /** The bytes as base64: own data, so a structured clone (worker threads) keeps them. */
  readonly base64: string;
  readonly #bytes: Uint8Array<ArrayBuffer>;

  constructor(bytes: Uint8Array, contentType = "application/octet-stream") {
    // Bytes over a SharedArrayBuffer are copied: a Blob or a request body takes only
    // an ArrayBuffer's (and another thread could change them meanwhile).
    this.#bytes =
      bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
    this.content_type = contentType;
    this.base64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
  }

  get bytes(): Uint8Array<ArrayBuffer> {
    return this.#bytes;
  }

  /** Same bytes, another content type (`as image/png` on an octet stream). */
  withType(contentType: string): Binary {
    return contentType === this.content_type ? this : new Binary(this.#bytes, contentType);
  }

  toJSON(): { content_type: string; base64: string } {
    return { content_type: this.content_type, base64: this.base64 };
  }
}

/** The fields a binding may read from a Binary value. */
export const BINARY_FIELDS = ["content_type", "base64", "length"] as const;
