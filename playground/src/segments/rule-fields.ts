/**
 * The contact fields a segment's rules name, in the order they first appear: the members table shows them
 * first, so "Fiber churners" (`internet_service = "Fiber optic" and churn`) shows internet_service and churn
 * rather than the schema's first nine fields, which left both out.
 *
 * A scan of the text, not a parse: the segment page does not load the parser (it is the form's), and a name
 * is all that is wanted. Strings ("…", '…', with backslash escapes) and comments (`--` to the end of the
 * line) are skipped; a backtick name (`` `Plan Type` ``, a doubled backtick is one) and an identifier
 * (dotted too: `custom.plan`) are looked up in `fields` ignoring ASCII case, as the checker resolves them.
 * A word that is not a field (a keyword, an event's property that no field shares) is left out.
 */
export function fieldsInRules(expression: string, fields: readonly string[]): string[] {
  const byFolded = new Map(fields.map((f) => [asciiLower(f), f] as const));
  const found: string[] = [];
  const take = (name: string) => {
    const field = byFolded.get(asciiLower(name));
    if (field !== undefined && !found.includes(field)) found.push(field);
  };
  let i = 0;
  while (i < expression.length) {
    const c = expression[i]!;
    if (c === '"' || c === "'") {
      i++;
      while (i < expression.length && expression[i] !== c) i += expression[i] === "\\" ? 2 : 1;
      i++;
    } else if (c === "-" && expression[i + 1] === "-") {
      while (i < expression.length && expression[i] !== "\n") i++;
    } else if (c === "`") {
      let name = "";
      i++;
      while (i < expression.length) {
        if (expression[i] === "`") {
          if (expression[i + 1] !== "`") break;
          i++;
        }
        name += expression[i];
        i++;
      }
      i++;
      take(name);
    } else if (/[A-Za-z_]/.test(c)) {
      IDENTIFIER.lastIndex = i;
      const word = IDENTIFIER.exec(expression)![0];
      i += word.length;
      take(word);
    } else {
      i++;
    }
  }
  return found;
}

/** A name as the language writes it without backticks, dotted too; sticky, so it reads from `lastIndex`. */
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/y;

/** Lower case for ASCII letters only, as segql folds names. */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/**
 * `fields` with those `expression` names first (in the order they appear), then the others in their order:
 * a table of contacts that shows a few columns shows what the rules, a preview or a filter test.
 */
export function fieldsRulesFirst(expression: string, fields: readonly string[]): string[] {
  const named = fieldsInRules(expression, fields);
  return [...named, ...fields.filter((f) => !named.includes(f))];
}
