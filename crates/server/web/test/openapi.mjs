#!/usr/bin/env node
// Validates the service's OpenAPI document against the OpenAPI specification's own schema
// (3.0 or 3.1) with @apidevtools/swagger-parser, and resolves every $ref in it.
//
//   node test/openapi.mjs <openapi.json>
//
// Prints the version and the number of paths, or the validation errors (exit 1).
import { readFile } from 'node:fs/promises';
import SwaggerParser from '@apidevtools/swagger-parser';

const [file] = process.argv.slice(2);
if (!file) {
  console.error('usage: node test/openapi.mjs <openapi.json>');
  process.exit(2);
}
try {
  const document = JSON.parse(await readFile(file, 'utf8'));
  const api = await SwaggerParser.validate(document);
  console.log(`valid OpenAPI ${api.openapi}: ${Object.keys(api.paths || {}).length} paths`);
} catch (error) {
  console.error(`invalid OpenAPI document: ${error.message}`);
  process.exit(1);
}
