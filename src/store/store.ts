/**
 * The store's implementation over an `SqlAdapter` (adapter.ts).
 */
import type { OpenStoreOptions, Store } from "./types.js";

/** Opens a store (see `openStore`). */
export async function openStoreImpl(options: OpenStoreOptions): Promise<Store> {
  void options;
  throw new Error("openStore: not implemented yet");
}
