// bench/parse-server.cjs: starts Parse Server for the harness's --parse
// workload (7). bench/run.sh runs it as
//   node bench/parse-server.cjs MODULES_DIR
// where MODULES_DIR holds node_modules/parse-server (installed by the harness
// with npm, outside the repo), with its settings in the environment:
//   PARSE_APP_ID, PARSE_MASTER_KEY, PARSE_DATABASE_URI, PARSE_LOGS_DIR.
// One process (no cluster), Parse's defaults otherwise, mounted on /parse of an
// Express app listening on a free loopback port. When it is ready it prints
//   parse-server <version> listening on http://127.0.0.1:<port>/parse
// and it exits on SIGTERM/SIGINT.
'use strict';
const path = require('path');
const { createRequire } = require('module');

const modules = process.argv[2];
if (!modules) {
  console.error('usage: node parse-server.cjs MODULES_DIR');
  process.exit(2);
}
const need = (name) => {
  const v = process.env[name];
  if (!v) {
    console.error(`parse-server.cjs: ${name} is not set`);
    process.exit(2);
  }
  return v;
};
const req = createRequire(path.join(path.resolve(modules), 'package.json'));
const { ParseServer } = req('parse-server');
const express = req('express');
const version = req('parse-server/package.json').version;

async function main() {
  const app = express();
  const http = app.listen(0, '127.0.0.1');
  await new Promise((resolve, reject) => {
    http.once('listening', resolve);
    http.once('error', reject);
  });
  const url = `http://127.0.0.1:${http.address().port}/parse`;
  const api = new ParseServer({
    appId: need('PARSE_APP_ID'),
    masterKey: need('PARSE_MASTER_KEY'),
    databaseURI: need('PARSE_DATABASE_URI'),
    serverURL: url,
    logsFolder: need('PARSE_LOGS_DIR'),
  });
  await api.start();
  app.use('/parse', api.app);
  const stop = () => {
    http.close();
    // Parse keeps its database pool open; the harness waits for the exit.
    Promise.resolve(api.handleShutdown && api.handleShutdown()).finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  console.log(`parse-server ${version} listening on ${url}`);
}

main().catch((e) => {
  console.error('parse-server.cjs: failed to start:', e);
  process.exit(1);
});
