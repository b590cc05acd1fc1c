/**
 * Bearer-token authentication: when the server has a token, every API request must carry
 * `Authorization: Bearer <token>`. Both sides are hashed to fixed-length digests before a constant-time
 * comparison, so neither the token's content nor its length leaks through response timing.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { ProblemError } from "./problems.js";

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** Whether `given` equals `expected`, in time independent of where they differ. */
export function tokensEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** Middleware requiring the bearer token (401 `unauthorized` with `WWW-Authenticate` otherwise). */
export function requireToken(token: string): MiddlewareHandler {
  const challenge = 'Bearer realm="segql"';
  return async (c, next) => {
    const header = c.req.header("authorization");
    if (header === undefined) {
      throw new ProblemError("unauthorized", "send the server's token as 'Authorization: Bearer <token>'", {}, { "WWW-Authenticate": challenge });
    }
    // RFC 6750 §2.1: the scheme is case-insensitive, then one or more spaces, then the token.
    const m = /^Bearer +(\S+) *$/i.exec(header);
    if (!m || !tokensEqual(m[1]!, token)) {
      throw new ProblemError("unauthorized", "the bearer token is not this server's token", {}, { "WWW-Authenticate": `${challenge}, error="invalid_token"` });
    }
    await next();
  };
}
