// A CouchDB-protocol source on 127.0.0.1 for bench.scale_sync: express-pouchdb over an
// in-memory PouchDB, loaded with the documents of DOCS (one JSON object a line, `id` ->
// `_id`). Prints {"port": N, "loaded": N} once every document is in, then serves until killed.
//   node serve.js DOCS.jsonl
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const express = require('express');
const PouchDB = require('pouchdb');
PouchDB.plugin(require('pouchdb-adapter-memory'));

const Source = PouchDB.defaults({ adapter: 'memory' });

async function main() {
  const file = process.argv[2];
  const source = new Source('cases');
  let chunk = [];
  let loaded = 0;
  const lines = readline.createInterface({ input: fs.createReadStream(file) });
  for await (const line of lines) {
    if (!line) continue;
    const doc = JSON.parse(line);
    doc._id = doc.id;
    chunk.push(doc);
    if (chunk.length === 5000) {
      await source.bulkDocs(chunk, { new_edits: true });
      loaded += chunk.length;
      chunk = [];
    }
  }
  if (chunk.length) {
    await source.bulkDocs(chunk);
    loaded += chunk.length;
  }
  const app = express();
  app.use('/', require('express-pouchdb')(Source, {
    mode: 'minimumForPouchDB',
    logPath: path.join(os.tmpdir(), `express-pouchdb-${process.pid}.log`),
  }));
  const server = app.listen(0, '127.0.0.1', () => {
    process.stdout.write(JSON.stringify({ port: server.address().port, loaded }) + '\n');
  });
}

main().catch((err) => { console.error(err); process.exit(1); });
