/// <reference lib="dom" />
/**
 * The small Markdown the language service writes (hover and completion documentation): paragraphs,
 * `**bold**`, `` `code` `` and fenced code blocks. Rendered to DOM nodes with `textContent` only, so no
 * text from a schema (descriptions, enum values) is ever read as HTML.
 */

/** Renders service Markdown into a new element of `doc`. */
export function renderMarkdown(markdown: string, doc: Document): HTMLElement {
  const root = doc.createElement("div");
  root.className = "cm-segql-doc";
  const lines = markdown.split("\n");
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length === 0) return;
    const p = doc.createElement("p");
    appendInline(p, paragraph.join(" "), doc);
    root.appendChild(p);
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith("```")) {
      flush();
      const code: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.startsWith("```")) code.push(lines[i++]!);
      const pre = doc.createElement("pre");
      pre.textContent = code.join("\n");
      root.appendChild(pre);
    } else if (line.trim() === "") flush();
    else paragraph.push(line);
  }
  flush();
  return root;
}

/** `**bold**` and `` `code` `` inside a paragraph; everything else is text. */
function appendInline(parent: HTMLElement, text: string, doc: Document): void {
  const pattern = /\*\*([^*]+)\*\*|`([^`]+)`/g;
  let last = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    if (m.index > last) parent.appendChild(doc.createTextNode(text.slice(last, m.index)));
    const el = doc.createElement(m[1] !== undefined ? "strong" : "code");
    el.textContent = m[1] ?? m[2]!;
    parent.appendChild(el);
    last = pattern.lastIndex;
  }
  if (last < text.length) parent.appendChild(doc.createTextNode(text.slice(last)));
}
