// One PouchDB replication into a new on-disk (LevelDB) database, timed, for bench.scale_sync.
//   node replicate.js URL BATCH_SIZE
//     ->  {"batch_size", "seconds", "docs_written", "doc_count", "cpu_target_s"}
const fs = require('fs');
const os = require('os');
const path = require('path');
const PouchDB = require('pouchdb');

async function main() {
  const [url, batch] = process.argv.slice(2);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pouch-target-'));
  const target = new PouchDB(path.join(dir, 'db'));
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const info = await PouchDB.replicate(url, target, { batch_size: Number(batch) });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);  // microseconds, user and system, this process
  const count = (await target.info()).doc_count;
  await target.close();
  fs.rmSync(dir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify({
    batch_size: Number(batch), seconds, docs_written: info.docs_written, doc_count: count,
    cpu_target_s: (cpu.user + cpu.system) / 1e6,
  }) + '\n');
}

main().catch((err) => { console.error(err); process.exit(1); });
