#!/usr/bin/env node
/*
 * Lists the SQL migrations that would be applied, in order.
 *
 * The real runner lives in the data service; this script is what CI and
 * developers call (`npm run migrate`). It validates file names and prints
 * the plan so a broken migration set fails fast, without needing a database.
 */
'use strict';

const fs = require('fs');
const path = require('path');

const MIGRATIONS_DIR = path.join(__dirname, '..', 'migrations');
const NAME_PATTERN = /^(\d{3})_[a-z0-9_]+\.sql$/;

function redact(url) {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

function main() {
  const databaseUrl = process.env.DATABASE_URL || 'postgres://educonnect:educonnect@localhost:5432/educonnect';
  const files = fs.readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).sort();

  const seen = new Set();
  for (const file of files) {
    const match = NAME_PATTERN.exec(file);
    if (!match) throw new Error(`Bad migration file name: ${file} (expected NNN_description.sql)`);
    if (seen.has(match[1])) throw new Error(`Duplicate migration number ${match[1]}`);
    seen.add(match[1]);
    const sql = fs.readFileSync(path.join(MIGRATIONS_DIR, file), 'utf8').trim();
    if (!sql) throw new Error(`Migration ${file} is empty`);
  }

  console.log(`Target database: ${redact(databaseUrl)}`);
  if (files.length === 0) {
    console.log('No migrations found.');
    return;
  }
  console.log(`Would apply ${files.length} migration(s):`);
  for (const file of files) console.log(`  - ${file}`);
}

try {
  main();
} catch (error) {
  console.error(`migrate: ${error.message}`);
  process.exit(1);
}
