/** Which dropped file is which: contacts, events (a name with "event") or schema (a `.json` with "schema"). */

/** Sorts dropped files into contacts, events and schema by their names. */
export function sortFiles(files: readonly File[]): { contacts: File | null; events: File | null; schema: File | null; problem: string | null } {
  let contacts: File | null = null;
  let events: File | null = null;
  let schema: File | null = null;
  for (const f of files) {
    const name = f.name.toLowerCase();
    if (/schema[^/]*\.json$/.test(name)) schema = f;
    else if (/event/.test(name)) events = f;
    else if (!contacts) contacts = f;
    else return { contacts, events, schema, problem: `two contacts files (${contacts.name}, ${f.name}): drop one, with its events (a name containing "event") and schema (a name containing "schema")` };
  }
  return { contacts, events, schema, problem: contacts ? null : "no contacts file among the files: drop a .csv, .jsonl or .json of contacts" };
}
