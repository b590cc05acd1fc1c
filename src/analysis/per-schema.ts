/**
 * What the analysis keeps between conditions of one schema in one time zone (reasoners, formulas of rules,
 * warnings by text): held weakly by the schema, so a schema no longer used takes its caches with it.
 */
import type { TimeZone } from "../checker/zone.js";
import type { Schema } from "../schema/schema.js";

/** Values per (schema, time zone), made on first use and made again when `stale` says so (bounding memory). */
export class PerSchemaAndZone<T> {
  private readonly bySchema = new WeakMap<Schema, Map<string, T>>();

  constructor(
    private readonly make: (zone: TimeZone) => T,
    private readonly stale: (value: T) => boolean = () => false,
  ) {}

  /** The value for `schema` in `zone`. */
  get(schema: Schema, zone: TimeZone): T {
    let byZone = this.bySchema.get(schema);
    if (!byZone) {
      byZone = new Map();
      this.bySchema.set(schema, byZone);
    }
    let value = byZone.get(zone.name);
    if (value === undefined || this.stale(value)) {
      value = this.make(zone);
      byZone.set(zone.name, value);
    }
    return value;
  }
}
