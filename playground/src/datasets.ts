/**
 * The built-in datasets: the vendored demo data (served as static files of the build, see vite.config.ts)
 * and a generated one for trying the playground at scale. Each has the `now` its README's facts hold at.
 */
import type { BuiltinId, DatasetUrls } from "./worker/protocol.js";

/** A built-in dataset as the picker shows it. */
export interface BuiltinDataset {
  id: BuiltinId;
  label: string;
  /** The instant relative times resolve against by default (the dataset's own "today"). */
  now: string;
  /** An expression to start with. */
  example: string;
  /** Files relative to the app, under `data/`. */
  files: { schema: string; contacts: string; events?: string };
  /** For generated data: how many contacts. */
  count?: number;
}

export const BUILTIN_DATASETS: readonly BuiltinDataset[] = [
  {
    id: "telco",
    label: "Telco customers (7,043 contacts)",
    now: "2026-01-01T00:00:00Z",
    example: 'contract = "Month-to-month" and tenure > 12 and services has "streaming_tv"',
    files: { schema: "telco/schema.json", contacts: "telco/contacts.jsonl.gz" },
  },
  {
    id: "retail",
    label: "Online Retail (1,084 contacts, 95,880 events)",
    now: "2011-12-10T00:00:00Z",
    example: '(performed "Purchase" at least 3 times within last 30 days where amount > 50) and country = "United Kingdom"',
    files: { schema: "online-retail/schema.json", contacts: "online-retail/contacts.jsonl.gz", events: "online-retail/events.jsonl.gz" },
  },
  {
    id: "generated",
    label: "Generated (100,000 contacts, Telco fields)",
    now: "2026-01-01T00:00:00Z",
    example: 'contract = "Month-to-month" and tenure > 12 and services has "streaming_tv"',
    files: { schema: "telco/schema.json", contacts: "telco/contacts.jsonl.gz" },
    count: 100_000,
  },
];

/** The dataset opened first. */
export const DEFAULT_DATASET: BuiltinDataset = BUILTIN_DATASETS[0]!;

/** A built-in dataset by id. */
export function builtinDataset(id: string | null | undefined): BuiltinDataset | undefined {
  return BUILTIN_DATASETS.find((d) => d.id === id);
}

/** Absolute URLs of a dataset's files, resolved against the page (works under any base path). */
export function datasetUrls(d: BuiltinDataset, base: string): DatasetUrls {
  const at = (f: string) => new URL(`data/${f}`, base).href;
  return { schema: at(d.files.schema), contacts: at(d.files.contacts), ...(d.files.events ? { events: at(d.files.events) } : {}) };
}
