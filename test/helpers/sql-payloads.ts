/** Injection payloads for SQL tests: every quote kind, backslashes, comment starters, `;`, NUL, line breaks, Unicode escapes, placeholders. */
export const PAYLOADS: readonly string[] = [
  "'", "''", '"', "`", "\\", "\\'", "\\\\'", "'; DROP TABLE contacts; --", "' OR '1'='1", "x' --", "/*", "*/", "/* x */ 'y'",
  ";", "--", "#", "\u0000", "a\u0000b", "\u0000'\u0000", "\n", "\r\n", "line\nbreak'--", "\t", "\u2028\u2029", "\\u0027", "\\x27",
  "\\0", "$1", "?", "@p1", ":1", "$$", "$tag$", "E'", "N'x'", "%_!", "🙂'", "\u00a0'", "\\\\", "'||'", "`; DROP TABLE x; `", "]]",
];
