// What bench/dashboard.py measures inside a page (injected before the page's own scripts, into the
// dashboard and the floor alike). window.__probe:
//   ready      ms from navigation to the first animation frame at which window.__probeWhen() held
//              (the page's components are in the document; the frame after is painted);
//   frames     frame intervals (ms, from requestAnimationFrame) while recording;
//   longtasks  durations (ms) of main-thread tasks over 50 ms while recording;
//   inputs     input latency (ms): from a keydown's timestamp to the end of the next frame after its
//              handlers ran (a task posted from that frame's requestAnimationFrame runs after paint);
//   lags       ms from an event's production (its `ts`, µs since the epoch, stamped by the bench) to
//              its delivery to the page's EventSource listener: how far the page's main thread is behind;
//   received   the measured events seen by the page's EventSource(s).
(() => {
  const probe = { ready: null, frames: [], longtasks: [], inputs: [], lags: [], received: 0, recording: false,
                  measured: "UiComponentUpdated" };
  window.__probe = probe;
  const afterPaint = (fn) => requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = fn;
    channel.port2.postMessage(0);
  });
  const shown = () => {
    try {
      return typeof window.__probeWhen === "function" && window.__probeWhen();
    } catch {
      return false; // the document is not there yet
    }
  };
  const waitReady = () => {
    if (shown()) probe.ready = performance.now();
    else requestAnimationFrame(waitReady);
  };
  requestAnimationFrame(waitReady);
  let last = null;
  const frame = (t) => {
    if (probe.recording && last !== null) probe.frames.push(t - last);
    last = t;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  try {
    new PerformanceObserver((list) => {
      if (probe.recording) for (const e of list.getEntries()) probe.longtasks.push(e.duration);
    }).observe({ type: "longtask" });
  } catch { /* no long task API: none counted */ }
  window.addEventListener("keydown", (e) => {
    if (!probe.recording) return;
    const start = e.timeStamp;
    afterPaint(() => probe.inputs.push(performance.now() - start));
  }, { capture: true });
  const TS = /"ts":(\d+)/;
  const Native = window.EventSource;
  window.EventSource = class extends Native {
    constructor(url, init) {
      super(url, init);
      this.addEventListener(probe.measured, (e) => {
        probe.received += 1;
        if (!probe.recording) return;
        const ts = TS.exec(e.data); // the event's own ts (a component's data is escaped JSON text)
        if (ts) probe.lags.push(Date.now() - Number(ts[1]) / 1000);
      });
    }
  };
})();
