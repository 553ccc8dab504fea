#!/usr/bin/env node
/*
 * Placeholder deploy script: prints what would be shipped where.
 * Usage: node scripts/deploy.js <staging|production>
 */
'use strict';

const pkg = require('../package.json');

const TARGETS = {
  staging: { cluster: 'educonnect-staging', url: 'https://staging.educonnect.example', replicas: 1 },
  production: { cluster: 'educonnect-prod', url: 'https://educonnect.example', replicas: 3 },
};

const environment = process.argv[2];
const target = TARGETS[environment];
if (!target) {
  console.error(`Usage: node scripts/deploy.js <${Object.keys(TARGETS).join('|')}>`);
  process.exit(2);
}

const version = process.env.GITHUB_SHA ? process.env.GITHUB_SHA.slice(0, 7) : pkg.version;
console.log(`Would deploy ${pkg.name}@${version} to ${environment}`);
console.log(`  cluster:  ${target.cluster}`);
console.log(`  replicas: ${target.replicas}`);
console.log(`  url:      ${target.url}`);
console.log('No changes made (dry run).');
