/**
 * The language server's own exit codes (besides the protocol's: 0 after `shutdown` and `exit`, 1 after
 * `exit` alone or the end of the input).
 */

/** Exit code after a malformed frame: the client sent something that is not the protocol. */
export const EXIT_MALFORMED = 2;
