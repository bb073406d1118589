// The SSE clients of bench/sse.py, in one Node.js process (its HTTP parsing is native, so the load
// generator takes little of the machine the API is measured on).
// Usage: BENCH_API_KEY=ck_... node bench/sse_clients.js URL CLIENTS EXPECTED DEADLINE_S
// (each client sends the key as Authorization: Bearer <key>)
// Prints "ready" once every client has its `ready` event, then one JSON line:
// {"counts": [...], "delays": {"n": N, "p50": s, "p99": s}} — delay = arrival - the event's ts (µs).
"use strict";
const http = require("http");

const [url, clientsArg, expectedArg, deadlineArg] = process.argv.slice(2);
const clients = Number(clientsArg);
const expected = Number(expectedArg);
const deadline = Date.now() + Number(deadlineArg) * 1000;
const TS = /"ts": ?(\d+)\}/g;

const counts = new Array(clients).fill(0);
let delays = new Float64Array(1 << 20);
let n = 0;
let positioned = 0;
let finished = 0;
const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
const headers = { Accept: "text/event-stream" };
if (process.env.BENCH_API_KEY) headers.Authorization = `Bearer ${process.env.BENCH_API_KEY}`;

function record(delay) {
  if (n === delays.length) {
    const bigger = new Float64Array(delays.length * 2);
    bigger.set(delays);
    delays = bigger;
  }
  delays[n++] = delay;
}

function done() {
  finished += 1;
  if (finished < clients) return;
  const sorted = delays.subarray(0, n).sort();
  const pct = (q) => (n ? sorted[Math.max(0, Math.ceil(q * n) - 1)] : null);
  process.stdout.write(JSON.stringify({ counts, delays: { n, p50: pct(0.5), p99: pct(0.99) } }) + "\n");
  process.exit(0);
}

for (let i = 0; i < clients; i++) {
  const req = http.get(url, { agent, headers }, (res) => {
    if (res.statusCode !== 200) process.stderr.write(`client ${i}: HTTP ${res.statusCode}\n`);
    res.setEncoding("utf8");
    let buf = "";
    let ready = false;
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      req.destroy();
      done();
    };
    res.on("data", (chunk) => {
      const nowUs = (performance.timeOrigin + performance.now()) * 1000;
      buf += chunk;
      const cut = buf.lastIndexOf("\r\n\r\n");
      if (cut < 0) return;
      const whole = buf.slice(0, cut);
      buf = buf.slice(cut + 4);
      if (!ready && whole.includes("event: ready")) {
        ready = true;
        positioned += 1;
        if (positioned === clients) process.stdout.write("ready\n");
      }
      for (const m of whole.matchAll(TS)) {
        record((nowUs - Number(m[1])) / 1e6);
        counts[i] += 1;
      }
      if (counts[i] >= expected) close();
    });
    res.on("end", close);
    res.on("error", close);
    setTimeout(close, Math.max(0, deadline - Date.now()));
  });
  req.on("error", (err) => {
    process.stderr.write(`client ${i}: ${err.message}\n`);
    done();
  });
}
