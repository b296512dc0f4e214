// ajv-validate.mjs — validate entries against a JSON Schema with ajv (draft-07), the
// independent validator for algoreg's publication-standard export.
// Usage: node ajv-validate.mjs SCHEMA.json ENTRIES.json   (ENTRIES: a JSON array)
// Prints {"valid": N, "invalid": [{"index": i, "errors": [...]}]}; exit 0 when all valid.
import { readFileSync } from "node:fs";
import Ajv from "ajv";
import addFormats from "ajv-formats";

const [schemaPath, entriesPath] = process.argv.slice(2);
const schema = JSON.parse(readFileSync(schemaPath, "utf8"));
const entries = JSON.parse(readFileSync(entriesPath, "utf8"));
// The official schema carries descriptive keywords of its own (name, category,
// display, instructions, example): not validation rules, so not strict about them.
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const validate = ajv.compile(schema);
const invalid = [];
entries.forEach((e, index) => {
  if (!validate(e)) invalid.push({ index, errors: validate.errors });
});
console.log(JSON.stringify({ valid: entries.length - invalid.length, invalid }));
process.exit(invalid.length ? 1 : 0);
