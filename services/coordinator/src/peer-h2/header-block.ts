import { ErrorCode, H2ProtocolError } from "./frames.js";
import type { H2Headers } from "./h2c-stream.js";

/** One header block arriving as HEADERS and CONTINUATION fragments, bounded in size. */
export class HeaderBlock {
  private readonly parts: Buffer[];
  private bytes: number;

  constructor(
    readonly streamId: number,
    readonly endStream: boolean,
    first: Buffer,
    private readonly maxBytes: number,
  ) {
    this.parts = [first];
    this.bytes = first.length;
    this.check();
  }

  add(fragment: Buffer): void {
    this.parts.push(fragment);
    this.bytes += fragment.length;
    this.check();
  }

  joined(): Buffer {
    return this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
  }

  private check(): void {
    if (this.bytes > this.maxBytes)
      throw new H2ProtocolError(
        `header block above ${this.maxBytes} bytes`,
        ErrorCode.PROTOCOL_ERROR,
      );
  }
}

/** A decoded header list as a record; a repeated name's values joined with ", ". */
export function headerRecord(fields: readonly (readonly [string, string])[]): H2Headers {
  const out: H2Headers = {};
  for (const [name, value] of fields) {
    const had = out[name];
    out[name] = had === undefined ? value : `${had}, ${value}`;
  }
  return out;
}
