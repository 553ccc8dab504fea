#!/usr/bin/env node
/*
 * A stand-in for the deployed API's health endpoint, for checking deployment health locally.
 *
 *   node scripts/health-server.js            serve in the foreground
 *   node scripts/health-server.js --start    serve in the background; the pid goes to the pid file
 *   node scripts/health-server.js --stop     stop the background server named in the pid file
 *
 * Listens on 127.0.0.1 only. HEALTH_PORT (default 8080) and HEALTH_PID_FILE
 * (default .health-server.pid) change where.
 */
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const { spawn } = require('child_process');

const pkg = require('../package.json');

const port = Number(process.env.HEALTH_PORT || 8080);
const pidFile = path.resolve(process.env.HEALTH_PID_FILE || '.health-server.pid');
const started = Date.now();

function serve() {
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health') {
      const body = JSON.stringify({
        status: 'ok',
        service: pkg.name,
        version: pkg.version,
        uptimeSeconds: Math.round((Date.now() - started) / 1000),
      });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(body);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error: 'not found' }));
  });
  server.listen(port, '127.0.0.1', () => {
    console.log(`health server listening on http://127.0.0.1:${port}/health`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function start() {
  // Its own session (detached), so it outlives the command that started it.
  const child = spawn(process.execPath, [__filename], { detached: true, stdio: 'ignore', env: process.env });
  child.unref();
  fs.writeFileSync(pidFile, `${child.pid}\n`);
  console.log(`health server started in the background (pid ${child.pid}, port ${port})`);
}

function stopBackground() {
  let pid;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  } catch {
    console.log('no health server pid file; nothing to stop');
    return;
  }
  try {
    process.kill(pid, 'SIGTERM');
    console.log(`stopped health server (pid ${pid})`);
  } catch {
    console.log(`health server (pid ${pid}) was not running`);
  }
  fs.rmSync(pidFile, { force: true });
}

const mode = process.argv[2];
if (mode === '--start') start();
else if (mode === '--stop') stopBackground();
else if (mode === undefined) serve();
else {
  console.error('Usage: node scripts/health-server.js [--start|--stop]');
  process.exit(2);
}
