/** jexl 2.3 ships no type declarations; the benchmark uses `addFunction` and `compile(text).evalSync(context)`. */
declare module "jexl" {
  interface Expression {
    evalSync(context: Record<string, unknown>): unknown;
  }
  const jexl: {
    addFunction(name: string, fn: (...args: never[]) => unknown): void;
    compile(text: string): Expression;
  };
  export default jexl;
}
