#!/usr/bin/env node
// Fan-out load driver for `make bench` (tests/perf/bench_fanout.py runs it).
//
// Opens N websocket-only Socket.IO clients (round robin over one or more server URLs: the production layout
// has one realtime process per core), each with its own credentials (`auth: {token}`), waits until all are
// connected, then publishes K alerts through an HTTP request (W more first, unmeasured) and records, at every
// client, when each alert arrives. Alerts are matched by a token placed in the request body and echoed by the
// server in the pushed event. Closed loop: alert k+1 is published once alert k reached every client (or timed
// out); open loop (`intervalMs` > 0): one alert every intervalMs, whatever arrived.
//
// Why Node.js: measured on this machine, a Python (asyncio) driver spent about 4x the CPU per received event
// and its own queueing dominated the latencies it reported; this driver costs about 25-30 us per event.
//
// Usage: node fanout.js CONFIG.json  (JSON result on stdout, a one-line summary on stderr). CONFIG keys:
//   urls [..], origin, credentials (file, one token per line), clients, broadcasts, warmup, event,
//   triggerUrl, triggerHeaders {..}, triggerBody (a template: {{token}} and {{seq}} are replaced),
//   intervalMs (0), gapMs (50), msgTimeoutMs (15000), connectConcurrency (50), serverPids [..], sampleMs (50),
//   pidGroups {name: [pids]} (CPU per alert of each group too)
'use strict';

const fs = require('fs');
const { performance } = require('perf_hooks');
const { io } = require('socket.io-client');

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const RUN = Math.random().toString(36).slice(2, 8);
const TOKEN = new RegExp(`bench-${RUN}-(\\d+)`);

function percentile(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
function summary(values) {
  const s = Float64Array.from(values).sort();
  const round = (x) => (x == null ? null : Math.round(x * 100) / 100);
  const sum = s.reduce((a, b) => a + b, 0);
  return { n: s.length, mean: round(s.length ? sum / s.length : null), p50: round(percentile(s, 50)),
    p95: round(percentile(s, 95)), p99: round(percentile(s, 99)), max: round(s.length ? s[s.length - 1] : null) };
}

// CPU and memory of the server processes and their children, from /proc (clock ticks of 10 ms on Linux).
function tree(pids) {
  const seen = new Set(); const stack = [...pids];
  while (stack.length) {
    const pid = stack.pop();
    if (seen.has(pid)) continue;
    seen.add(pid);
    try {
      for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
        const children = fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
        if (children) for (const c of children.split(/\s+/)) stack.push(Number(c));
      }
    } catch (_) { /* the process ended */ }
  }
  return [...seen];
}
function sample(pids) {
  let rssKb = 0; let ticks = 0;
  for (const pid of tree(pids)) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
      rssKb += Number(fields[21]) * 4;
    } catch (_) { /* the process ended */ }
  }
  return { rssMb: rssKb / 1024, cpuMs: ticks * 10 };
}

async function main() {
  const c = { warmup: 2, event: 'alert:new', intervalMs: 0, gapMs: 50, msgTimeoutMs: 15000,
    connectConcurrency: 50, serverPids: [], sampleMs: 50, triggerHeaders: {},
    ...JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) };
  const credentials = c.credentials ? fs.readFileSync(c.credentials, 'utf8').split('\n').filter(Boolean) : [];
  const N = c.clients; const K = c.broadcasts; const W = c.warmup; const TOTAL = K + W;

  let peakRss = 0;
  const snap = () => { const s = sample(c.serverPids); peakRss = Math.max(peakRss, s.rssMb); return s; };
  const sampler = setInterval(snap, c.sampleMs);
  const before = snap();

  const published = new Float64Array(TOTAL).fill(NaN);
  const received = Array.from({ length: TOTAL }, () => new Uint8Array(N));
  const count = new Int32Array(TOTAL); const last = new Float64Array(TOTAL);
  const latencies = []; let duplicates = 0; let unmatched = 0; let disconnects = 0; let connectErrors = 0;
  let waiting = null; let expected = N;

  function onEvent(i, payload) {
    const t = now();
    const match = TOKEN.exec(JSON.stringify(payload));
    if (!match) { unmatched++; return; }
    const seq = Number(match[1]);
    if (received[seq][i]) { duplicates++; return; }
    received[seq][i] = 1; count[seq]++; last[seq] = t;
    if (seq >= W) latencies.push(t - published[seq]);
    if (waiting && waiting.seq === seq && count[seq] >= expected) { const w = waiting; waiting = null; w.resolve(); }
  }

  const sockets = new Array(N); const connectMs = []; let next = 0; const started = now();
  function connectOne(i) {
    return new Promise((resolve) => {
      const t0 = now();
      const socket = io(c.urls[i % c.urls.length], { transports: ['websocket'], forceNew: true, reconnection: false,
        timeout: 20000, extraHeaders: c.origin ? { Origin: c.origin } : {},
        auth: credentials.length ? { token: credentials[i % credentials.length] } : {} });
      sockets[i] = socket;
      socket.on(c.event, (payload) => onEvent(i, payload));
      socket.once('connect', () => { connectMs.push(now() - t0); resolve(); });
      socket.once('connect_error', (e) => {
        connectErrors++;
        if (connectErrors <= 3) console.error(`connect_error: ${e.message}`);
        resolve();
      });
      socket.on('disconnect', () => { disconnects++; });
    });
  }
  async function connector() { while (next < N) await connectOne(next++); }
  await Promise.all(Array.from({ length: Math.min(c.connectConcurrency, N) }, connector));
  const connected = sockets.filter((s) => s.connected).length; expected = connected;
  const connectTotal = now() - started;
  await sleep(500); // let the servers finish their per-connection bookkeeping before measuring
  const afterConnect = snap();

  const httpMs = []; let httpErrors = 0;
  async function publish(seq) {
    const body = c.triggerBody.replace(/\{\{token\}\}/g, `bench-${RUN}-${seq}`).replace(/\{\{seq\}\}/g, String(seq));
    published[seq] = now();
    try {
      const res = await fetch(c.triggerUrl, { method: 'POST', body,
        headers: { 'Content-Type': 'application/json', ...c.triggerHeaders } });
      await res.arrayBuffer();
      if (!res.ok) { httpErrors++; if (httpErrors <= 3) console.error(`publish answered HTTP ${res.status}`); }
    } catch (e) { httpErrors++; if (httpErrors <= 3) console.error(`publish failed: ${e.message}`); }
    if (seq >= W) httpMs.push(now() - published[seq]);
  }

  const groups = c.pidGroups || {};
  const groupCpu = () => Object.fromEntries(Object.entries(groups).map(([k, pids]) => [k, sample(pids).cpuMs]));
  let measureStart = null; let groupStart = null; const pending = [];
  for (let seq = 0; seq < TOTAL; seq++) {
    if (seq === W) { measureStart = snap(); groupStart = groupCpu(); }
    if (c.intervalMs > 0) {
      pending.push(publish(seq));
      await sleep(c.intervalMs);
    } else {
      const done = new Promise((resolve) => { waiting = { seq, resolve }; });
      const request = publish(seq);
      const ok = await Promise.race([done.then(() => true), sleep(c.msgTimeoutMs).then(() => false)]);
      await request;
      if (!ok) { waiting = null; console.error(`alert ${seq}: ${count[seq]}/${connected} delivered in time`); }
      await sleep(c.gapMs);
    }
  }
  await Promise.all(pending);
  const deadline = now() + c.msgTimeoutMs;
  while (now() < deadline && Array.from(count.slice(W)).some((n) => n < connected)) await sleep(20);
  const measureEnd = snap();
  const groupEnd = groupCpu();
  clearInterval(sampler);

  const fanout = [];
  for (let s = W; s < TOTAL; s++) if (count[s] > 0) fanout.push(last[s] - published[s]);
  const delivered = Array.from(count.slice(W)).reduce((a, b) => a + b, 0);
  const result = {
    clients: N, connected, broadcasts: K, warmup: W, mode: c.intervalMs > 0 ? `open loop, ${c.intervalMs} ms` : 'closed loop',
    connect: { total_ms: Math.round(connectTotal), per_client_ms: summary(connectMs), errors: connectErrors },
    delivery: { delivered, expected: K * N, ratio: delivered / (K * N), duplicates, unmatched, disconnects },
    latency_ms: summary(latencies), fanout_complete_ms: summary(fanout), publish_http_ms: summary(httpMs),
    publish_http_errors: httpErrors,
    server: { rss_mb_before: Math.round(before.rssMb), rss_mb_connected: Math.round(afterConnect.rssMb),
      peak_rss_mb: Math.round(peakRss), cpu_ms_connect: afterConnect.cpuMs - before.cpuMs,
      cpu_ms_per_alert: Math.round(((measureEnd.cpuMs - measureStart.cpuMs) / K) * 10) / 10,
      cpu_ms_per_alert_by_group: Object.fromEntries(Object.keys(groups).map(
        (k) => [k, Math.round(((groupEnd[k] - groupStart[k]) / K) * 10) / 10])) },
    driver_rss_mb: Math.round(process.memoryUsage().rss / 1048576),
  };
  const l = result.latency_ms;
  console.error(`${connected}/${N} connected; delivered ${delivered}/${K * N}; p50 ${l.p50} p99 ${l.p99} ms; ` +
    `server ${result.server.cpu_ms_per_alert} CPU ms/alert, peak ${result.server.peak_rss_mb} MB`);
  console.log(JSON.stringify(result));
  for (const s of sockets) s.close();
  process.exit(0);
}

main().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
