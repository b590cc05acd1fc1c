/**
 * Chevrotain's LL(k) lookahead, built on first use instead of all at once.
 *
 * `performSelfAnalysis` builds a lookahead function for every alternation, option and repetition of the
 * grammar (walking the grammar for each), which was most of the parser's construction and a sizeable part
 * of a one-shot `segql check`'s start-up, where a short condition reaches a handful of them. Here each is a
 * stand-in that builds the real function (with the same options, so the same function) when the parser
 * first asks for it, then puts the real one in the parser's cache in its own place, so later calls cost
 * what they always did.
 *
 * Grammar validations are unaffected: they run on the recorded grammar (the test that builds the parser
 * with validations on runs them), and so does content assist.
 */
import { LLkLookaheadStrategy, type ILookaheadStrategy } from "chevrotain";

type Build = ILookaheadStrategy["buildLookaheadForAlternation"];
type BuildOptional = ILookaheadStrategy["buildLookaheadForOptional"];
type LookaheadFunction = (this: unknown, ...args: never[]) => unknown;

/** What the stand-in reaches through `this`: Chevrotain's lookahead cache (an implementation detail, so checked). */
interface LookaheadCache {
  lookAheadFuncsCache?: unknown;
}

/** LL(k) lookahead functions, each built when first called (see the file comment). */
export class LazyLookaheadStrategy extends LLkLookaheadStrategy {
  override buildLookaheadForAlternation(options: Parameters<Build>[0]): ReturnType<Build> {
    return lazily(() => super.buildLookaheadForAlternation(options) as LookaheadFunction) as ReturnType<Build>;
  }

  override buildLookaheadForOptional(options: Parameters<BuildOptional>[0]): ReturnType<BuildOptional> {
    return lazily(() => super.buildLookaheadForOptional(options) as LookaheadFunction) as ReturnType<BuildOptional>;
  }
}

/**
 * A function standing in for `build()`'s result: its first call builds it and, when the parser's cache is
 * the Map it is in Chevrotain 11, replaces itself there; where that cache is not found, it keeps
 * forwarding (correct, one call slower).
 */
function lazily(build: () => LookaheadFunction): LookaheadFunction {
  let real: LookaheadFunction | null = null;
  const standIn = function (this: unknown, ...args: never[]): unknown {
    if (real === null) {
      real = build();
      const cache = (this as LookaheadCache | null)?.lookAheadFuncsCache;
      if (cache instanceof Map) {
        for (const [key, value] of cache) {
          if (value === standIn) {
            cache.set(key, real);
            break;
          }
        }
      }
    }
    return real.apply(this, args);
  };
  return standIn;
}
