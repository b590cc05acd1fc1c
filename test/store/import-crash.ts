/**
 * Child process of import-history.test.ts: opens (creates) a DuckDB store at argv[2] and imports the CSV
 * at argv[3]; after its first batch of rows it says so and kills itself with SIGKILL, mid-transaction.
 */
import { openStore } from "../../src/store/index.js";
import { crmSchema } from "./helpers.js";

const [db, csv] = [process.argv[2]!, process.argv[3]!];
const store = await openStore({ db, schema: crmSchema });
await store.importContacts(csv, {
  name: "leads.csv",
  by: "dee",
  onProgress: (done) => process.stdout.write(`killed after ${done} rows\n`, () => process.kill(process.pid, "SIGKILL")),
});
