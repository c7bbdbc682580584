// Loads an Automerge document saved by the hub and prints it as JSON.
// Usage: node load-doc.mjs <file>
import { readFileSync } from "node:fs";
import * as Automerge from "@automerge/automerge";

const bytes = readFileSync(process.argv[2]);
const doc = Automerge.load(new Uint8Array(bytes));
process.stdout.write(JSON.stringify(Automerge.toJS(doc)));
