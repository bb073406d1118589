// The floor of bench/dashboard.py: a plain page that does the least with what the run page gets.
// ?mode=paint  reads what the run page reads (/auth/me, then /runs/{id} and its log lines) and shows
//              each component's data as JSON text; <body data-ready> once shown.
// ?mode=stream opens the same stream (/streams/events, the same kinds, the session cookie) and appends
//              each event, as it comes, to a list holding the newest KEEP (newest first, as the
//              dashboard's activity list): one line per event, its type, id and size — no batching, no
//              parsing, no store, no framework. (A line of each event's whole text would measure the
//              browser laying out a thousand lines of up to 30 kB, not a page keeping up.)
// Served from the bench's copy of the built dashboard (assets/), so same origin as the dashboard and
// under the API's content security policy (no inline script or style).
const params = new URLSearchParams(location.search);
const run = params.get("run") ?? "";
const kinds = params.get("kinds") ?? "runs,notices,markets,orders,fills,wallets";
const types = (params.get("types") ?? "").split(",").filter(Boolean);
const KEEP = 1000;

async function read(path) {
  const answer = await fetch(path, { credentials: "same-origin" });
  if (!answer.ok) throw new Error(`${path}: ${answer.status}`);
  return answer.json();
}

function text(tag, content) {
  const el = document.createElement(tag);
  el.textContent = content;
  return el;
}

async function paint() {
  await read("/auth/me");
  const id = encodeURIComponent(run);
  const [detail, lines] = await Promise.all([read(`/runs/${id}`), read(`/runs/${id}/logs?limit=200`)]);
  const root = document.getElementById("components");
  for (const c of detail.components) {
    const section = document.createElement("section");
    section.dataset.component = c.component_id;
    section.append(text("h3", `${c.component_id} (${c.kind})`), text("pre", JSON.stringify(c.data)));
    root.append(section);
  }
  const log = document.getElementById("log");
  for (const l of lines) log.append(text("li", `${l.ts} ${l.level} ${l.message}`));
  document.body.dataset.ready = "true";
}

function stream() {
  const status = document.getElementById("status");
  const count = document.getElementById("count");
  const list = document.getElementById("events");
  let n = 0;
  const source = new EventSource(`/streams/events?kinds=${encodeURIComponent(kinds)}`);
  source.addEventListener("ready", () => {
    status.dataset.status = "live";
    status.textContent = "live";
  });
  const onEvent = (e) => {
    list.prepend(text("li", `${e.type} ${e.lastEventId} ${e.data.length} bytes`));
    if (list.childElementCount > KEEP) list.lastElementChild.remove();
    n += 1;
    count.textContent = String(n);
  };
  for (const type of types) source.addEventListener(type, onEvent);
}

if (params.get("mode") === "paint") {
  paint().catch((e) => { document.body.dataset.error = String(e); });
} else {
  stream();
}
