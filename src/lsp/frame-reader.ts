/**
 * Reads Language Server Protocol messages from a byte stream, strictly: `Content-Length: N\r\n` (and
 * optionally `Content-Type: …; charset=utf-8`), a blank line, then N bytes of UTF-8 JSON.
 *
 * Why not vscode-jsonrpc's reader: on a malformed frame (a non-numeric or wrong `Content-Length`, a missing
 * header) it reports an error and keeps reading from the middle of the garbage, so the server never answers
 * again and never exits (issue 10, case 11). Here every framing error is final: it is reported once through
 * `onFramingError` with what was wrong and where, reading stops, and the owner ends the connection.
 *
 * Well-framed messages of a shape vscode-jsonrpc does not survive are mended or dropped here, before it sees
 * them (`admissible`): it reads `params.id` of every `$/cancelRequest` unchecked (a cancel without an id
 * threw out of its reader and ended the server with an internal error), and hands a request's
 * `"params": null` to handlers that read `params.workDoneToken` (an internal error answer, -32603, for the
 * client's mistake).
 */
import { AbstractMessageReader, Disposable, type DataCallback, type Message, type MessageReader } from "vscode-languageserver/node";

/** Options of the reader. */
export interface FrameReaderOptions {
  /** Largest message body accepted, in bytes. Default 64 MiB (editors do not sync files near that size). */
  maxMessageBytes?: number;
  /** How long a message may stay incomplete before the frame is taken as wrong. Default 30 s. */
  incompleteTimeoutMs?: number;
}

/** Largest header block accepted (the protocol has two short headers). */
const MAX_HEADER_BYTES = 8 * 1024;
const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const CRLF2 = Buffer.from("\r\n\r\n");
/** A header name: an HTTP token (RFC 9110). */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** A reader of LSP frames that treats any malformed frame as the end of the connection. */
export class FrameReader extends AbstractMessageReader implements MessageReader {
  private buffer: Buffer = Buffer.alloc(0);
  /**
   * Chunks of a body still incomplete, joined to `buffer` once all of it is here: joining at every chunk
   * copied the body once per 64 KB chunk, quadratic in its size (a 30 MB didOpen took 44 s of the main
   * thread, where nothing else was answered).
   */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes consumed before `buffer`, so errors can say where in the stream they are. */
  private consumed = 0;
  private bodyLength = -1;
  private failed = false;
  private callback: DataCallback | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly framingErrors: ((message: string) => void)[] = [];
  private readonly observers: ((message: Message) => void)[] = [];
  private readonly maxMessageBytes: number;
  private readonly incompleteTimeoutMs: number;
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });

  constructor(
    private readonly readable: NodeJS.ReadableStream,
    options: FrameReaderOptions = {},
  ) {
    super();
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.incompleteTimeoutMs = options.incompleteTimeoutMs ?? 30_000;
  }

  /** Called once, with a one-line description, when the stream holds something that is not a valid frame. */
  onFramingError(listener: (message: string) => void): void {
    this.framingErrors.push(listener);
  }

  /** Called with every message read, before it is handed on (to follow which requests await an answer). */
  onMessageRead(listener: (message: Message) => void): void {
    this.observers.push(listener);
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    const onData = (chunk: Buffer | string) => this.onData(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk);
    const onEnd = () => {
      this.clearTimer();
      if (!this.failed && this.buffer.length + this.pendingBytes > 0) {
        this.fail(this.bodyLength >= 0
          ? `the input ended in the middle of a message (${this.buffer.length + this.pendingBytes} of ${this.bodyLength} bytes)`
          : "the input ended in the middle of a message's headers");
      }
      this.fireClose();
    };
    const onError = (e: Error) => this.fireError(e);
    this.readable.on("data", onData);
    this.readable.on("end", onEnd);
    this.readable.on("error", onError);
    return Disposable.create(() => {
      this.clearTimer();
      this.readable.off("data", onData);
      this.readable.off("end", onEnd);
      this.readable.off("error", onError);
    });
  }

  private onData(chunk: Buffer): void {
    if (this.failed) return;
    if (this.bodyLength >= 0 && this.buffer.length + this.pendingBytes + chunk.length < this.bodyLength) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      this.waitForRest();
      return;
    }
    this.buffer = this.buffer.length === 0 && this.pending.length === 0 ? chunk : Buffer.concat([this.buffer, ...this.pending, chunk]);
    this.pending = [];
    this.pendingBytes = 0;
    for (;;) {
      if (this.bodyLength < 0) {
        const end = this.buffer.indexOf(CRLF2);
        if (end < 0) {
          if (this.buffer.length > MAX_HEADER_BYTES) return this.fail(`a message's headers are longer than ${MAX_HEADER_BYTES} bytes, or do not end with a blank line`);
          break;
        }
        const length = this.readHeaders(this.buffer.subarray(0, end));
        if (length < 0) return;
        this.skip(end + CRLF2.length);
        this.bodyLength = length;
      }
      if (this.buffer.length < this.bodyLength) break;
      const body = this.buffer.subarray(0, this.bodyLength);
      const message = this.readBody(body);
      if (!message) return;
      this.skip(this.bodyLength);
      this.bodyLength = -1;
      if (!admissible(message)) continue;
      for (const observe of this.observers) observe(message);
      this.callback?.(message);
      if (this.failed) return;
    }
    this.clearTimer();
    if (this.buffer.length > 0) this.waitForRest();
  }

  /** Part of a message is here: the rest must follow soon, or the announced length is wrong. */
  private waitForRest(): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.fail(this.bodyLength >= 0
        ? `a message announced ${this.bodyLength} bytes (Content-Length) but only ${this.buffer.length + this.pendingBytes} arrived in ${this.incompleteTimeoutMs / 1000} s`
        : `a message's headers were not finished within ${this.incompleteTimeoutMs / 1000} s`);
    }, this.incompleteTimeoutMs);
    this.timer.unref?.();
  }

  /** The body length announced by a header block, or -1 after reporting what is wrong with it. */
  private readHeaders(block: Buffer): number {
    let text: string;
    try {
      text = this.decoder.decode(block);
    } catch {
      this.fail("a message's headers are not text");
      return -1;
    }
    let length: number | null = null;
    for (const line of text.split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon <= 0) {
        this.fail(`a message header is not 'Name: value': ${quote(line)}`);
        return -1;
      }
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (!HEADER_NAME.test(name)) {
        this.fail(`a message header is not 'Name: value': ${quote(line)}`);
        return -1;
      }
      if (name === "content-length") {
        if (length !== null) {
          this.fail("a message has two Content-Length headers");
          return -1;
        }
        if (!/^\d{1,15}$/.test(value)) {
          this.fail(`Content-Length must be a whole number of bytes, found ${quote(value)}`);
          return -1;
        }
        length = Number(value);
        if (length > this.maxMessageBytes) {
          this.fail(`a message announced ${length} bytes (Content-Length), more than the ${this.maxMessageBytes} accepted`);
          return -1;
        }
      } else if (name === "content-type") {
        const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(value)?.[1]?.toLowerCase();
        if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") {
          this.fail(`only UTF-8 messages are understood, found charset ${quote(charset)}`);
          return -1;
        }
      }
    }
    if (length === null) {
      this.fail("a message has no Content-Length header");
      return -1;
    }
    return length;
  }

  /** The message in a body, or null after reporting what is wrong with it. */
  private readBody(body: Buffer): Message | null {
    let text: string;
    try {
      text = this.decoder.decode(body);
    } catch {
      this.fail("a message body is not valid UTF-8");
      return null;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      this.fail(`a message body is not JSON (${(e as Error).message}), or its Content-Length (${body.length}) is wrong`);
      return null;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      this.fail("a message body is not a JSON object");
      return null;
    }
    return value as Message;
  }

  private skip(n: number): void {
    this.buffer = this.buffer.subarray(n);
    this.consumed += n;
  }

  private fail(what: string): void {
    if (this.failed) return;
    this.failed = true;
    this.clearTimer();
    const message = `${what} (at byte ${this.consumed} of the input)`;
    for (const listener of this.framingErrors) listener(message);
    this.fireError(new Error(message));
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/**
 * Whether a message may go on to the protocol library, after mending what it would misread:
 * - a `$/cancelRequest` whose `params.id` is not a number or a string names no request: dropped (a
 *   notification gets no answer, and there is nothing to cancel);
 * - `"params": null` on a request is taken as no params (JSON-RPC 2.0 allows only an object or an array,
 *   or none): the library then answers InvalidParams (-32602) for a method that needs them.
 */
export function admissible(message: Message): boolean {
  const m = message as { id?: unknown; method?: unknown; params?: unknown };
  if (m.method === "$/cancelRequest" && m.id === undefined) {
    const id = m.params !== null && typeof m.params === "object" ? (m.params as { id?: unknown }).id : undefined;
    return typeof id === "number" || typeof id === "string";
  }
  if (typeof m.method === "string" && m.id !== undefined && m.params === null) delete m.params;
  return true;
}

function quote(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}
