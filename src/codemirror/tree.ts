/**
 * The syntax tree CodeMirror sees: the language service's semantic tokens (from the Chevrotain lexer,
 * refined by the AST), laid out flat under one `Document` node. It is not a second grammar: the tokens are
 * the service's, and the adapter only turns them into a Lezer tree so CodeMirror's own machinery works on
 * it — highlighting through `styleTags` and any `HighlightStyle`, bracket matching (parentheses are nodes
 * with `openedBy`/`closedBy`), and language data (`--` comments) found from the top node.
 *
 * Every reparse analyses the whole text through the service, whose analysis is incremental by segment
 * declaration (src/service/analysis.ts), so a keystroke re-parses one declaration.
 */
import { NodeProp, NodeSet, NodeType, Parser, Tree, type Input, type PartialParse, type TreeFragment } from "@lezer/common";
import { styleTags, tags as t } from "@lezer/highlight";
import type { Facet } from "@codemirror/state";
import { languageDataProp } from "@codemirror/language";
import type { LanguageService, SemanticToken, SemanticTokenType } from "../service/index.js";

/** Node names of the tree, by id. `Document` is the top node. */
export const NODE_NAMES = [
  "Document",
  "Field",
  "Property",
  "Keyword",
  "String",
  "Number",
  "Operator",
  "Segment",
  "SegmentDeclaration",
  "Event",
  "Comment",
  "OpenParen",
  "CloseParen",
] as const;

export type NodeName = (typeof NODE_NAMES)[number];

/** The node name of a service token. */
const NODE_OF: Record<SemanticTokenType, NodeName> = {
  field: "Field",
  property: "Property",
  keyword: "Keyword",
  string: "String",
  number: "Number",
  operator: "Operator",
  segment: "Segment",
  event: "Event",
  comment: "Comment",
};

/**
 * Highlighting tags per node: fields are variables, event properties property names, segment names labels
 * (a declaration is their definition), event names a special kind of string.
 */
const highlighting = styleTags({
  Field: t.variableName,
  Property: t.propertyName,
  Keyword: t.keyword,
  String: t.string,
  Number: t.number,
  Operator: t.compareOperator,
  Segment: t.labelName,
  SegmentDeclaration: t.definition(t.labelName),
  Event: t.special(t.string),
  Comment: t.lineComment,
  "OpenParen CloseParen": t.paren,
});

/** The node types, with the language data facet attached to the top node. */
export function nodeSet(data: Facet<{ [name: string]: unknown }>): NodeSet {
  const types = NODE_NAMES.map((name, id) => {
    const props: [NodeProp<unknown>, unknown][] = [];
    if (id === 0) props.push([languageDataProp, data]);
    if (name === "OpenParen") props.push([NodeProp.closedBy, ["CloseParen"]]);
    if (name === "CloseParen") props.push([NodeProp.openedBy, ["OpenParen"]]);
    return NodeType.define({ id, name, top: id === 0, props });
  });
  return new NodeSet(types).extend(highlighting);
}

const ID: Record<NodeName, number> = Object.fromEntries(NODE_NAMES.map((n, i) => [n, i])) as Record<NodeName, number>;

/**
 * The tree of a text: one leaf per service token, plus a leaf per parenthesis (the service does not
 * classify them; any `(` or `)` outside a token is one, since strings, quoted names and comments are
 * tokens).
 */
export function buildTree(text: string, tokens: readonly SemanticToken[], nodes: NodeSet): Tree {
  const buffer: number[] = [];
  let at = 0;
  const parens = (to: number) => {
    for (let i = at; i < to; i++) {
      const c = text.charCodeAt(i);
      if (c === 40) buffer.push(ID.OpenParen, i, i + 1, 4);
      else if (c === 41) buffer.push(ID.CloseParen, i, i + 1, 4);
    }
  };
  for (const tok of tokens) {
    if (tok.from < at || tok.to > text.length) continue; // never overlap (the service promises order)
    parens(tok.from);
    const name = tok.type === "segment" && tok.modifiers.includes("declaration") ? "SegmentDeclaration" : NODE_OF[tok.type];
    buffer.push(ID[name], tok.from, tok.to, 4);
    at = tok.to;
  }
  parens(text.length);
  return Tree.build({ buffer, nodeSet: nodes, topID: ID.Document, length: text.length });
}

/**
 * A Lezer `Parser` whose parse asks the language service for the document's tokens. `uri` names the
 * document in the service; the parse sets its text there first, so every other feature (lint,
 * completion, hover) sees the same text.
 */
export class ServiceTokenParser extends Parser {
  constructor(
    private readonly service: LanguageService,
    private readonly uri: string,
    private readonly nodes: NodeSet,
  ) {
    super();
  }

  override createParse(input: Input, _fragments: readonly TreeFragment[], _ranges: readonly { from: number; to: number }[]): PartialParse {
    const { service, uri, nodes } = this;
    return new WholeParse(input, (text) => {
      service.setDocument(uri, text);
      return buildTree(text, service.semanticTokens(uri), nodes);
    });
  }
}

/** A parse done in one step: the service's analysis is already incremental, so there is nothing to resume. */
class WholeParse implements PartialParse {
  parsedPos = 0;
  stoppedAt: number | null = null;

  constructor(
    private readonly input: Input,
    private readonly build: (text: string) => Tree,
  ) {}

  advance(): Tree {
    const tree = this.build(this.input.read(0, this.input.length));
    this.parsedPos = this.input.length;
    return tree;
  }

  stopAt(pos: number): void {
    this.stoppedAt = pos;
  }
}
