// memd dashboard: plain JavaScript, no framework, no build step, nothing fetched from outside.
// Every call goes to this machine's memd with the token from the address memd ui printed.
"use strict";

const token = new URLSearchParams(location.search).get("token") || sessionStorage.getItem("memd-token") || "";
sessionStorage.setItem("memd-token", token);
const view = document.getElementById("view");
const message = document.getElementById("message");
const projectInput = document.getElementById("project");
const KIND_COLOURS = { semantic: "#5b7fd6", episodic: "#9aa5b8", procedural: "#3f9f6b", preference: "#d68b2f", decision: "#a555c4" };
let current = "search";

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function say(text, ok = false) {
  message.textContent = text;
  message.className = ok ? "ok" : "";
}

async function api(path, body) {
  const project = projectInput.value.trim();
  const url = new URL(path, location.origin);
  if (project && !body) url.searchParams.set("project", project);
  const res = await fetch(url, {
    method: body ? "POST" : "GET",
    headers: { "X-Memd-Token": token, "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json();
  if (!res.ok) throw new Error(data.hint ? `${data.error}. ${data.hint}` : data.error);
  return data;
}

// One memory, with its marks and the curation its state allows.
function card(m, extra = []) {
  const badges = [el("span", { class: "badge" }, m.kind), el("span", { class: "badge" }, m.tier)];
  if (m.pinned) badges.push(el("span", { class: "badge pin" }, "pinned"));
  if (m.flagged) badges.push(el("span", { class: "badge flag" }, "flagged: may try to instruct the agent"));
  if (m.shared) badges.push(el("span", { class: "badge team" }, "team"));
  if (m.superseded_by) badges.push(el("span", { class: "badge" }, `replaced by ${m.superseded_by.slice(0, 8)}`));
  if (m.outdated) badges.push(el("span", { class: "badge stale" }, `may be outdated: ${m.outdated}`));
  const text = el("div", { class: "text" }, m.text);
  const node = el("div", { class: `card ${m.superseded_by ? "superseded" : ""} ${m.tier}`, "data-id": m.id },
    el("div", { class: "meta" }, badges, ` ${m.id.slice(0, 8)} · ${m.project} · ${m.created_at.slice(0, 10)}`,
      m.author ? ` · ${m.author}` : "", m.retention !== undefined ? ` · retention ${m.retention}` : ""),
    text, extra, m.learned ? el("div", { class: "why" }, `learned: ${m.learned}`) : "");
  node.append(actions(m, node, text));
  return node;
}

function actions(m, node, text) {
  const act = (name, body = {}) => async () => {
    try {
      const done = await api(`/api/curate/${name}`, { id: m.id, ...body });
      say(`${name}: done (${(done.id || m.id).slice(0, 8)})`, true);
      show(current);
    } catch (e) { say(e.message); }
  };
  const edit = () => {
    const box = el("textarea", {}, m.text);
    const save = el("button", { "data-action": "save", onclick: () => act("edit", { text: box.value })() }, "Save as new version");
    text.replaceWith(el("div", {}, box, save));
  };
  const buttons = [
    el("button", { "data-action": m.pinned ? "unpin" : "pin", onclick: act(m.pinned ? "unpin" : "pin") }, m.pinned ? "Unpin" : "Pin"),
    el("button", { "data-action": "edit", onclick: edit }, "Edit"),
    m.tier === "archived"
      ? el("button", { "data-action": "restore", onclick: act("restore") }, "Restore")
      : el("button", { "data-action": "archive", onclick: act("archive") }, "Archive"),
    el("button", { "data-action": "graph", onclick: () => { graphOf = m.id; select("graph"); } }, "Links"),
    el("button", { "data-action": "link", onclick: () => { const other = prompt("Link to which memory id?"); if (other) act("link", { other })(); } }, "Link to…"),
  ];
  if (m.flagged) {
    buttons.push(el("button", { "data-action": "approve", onclick: act("approve") }, "Approve"));
    buttons.push(el("button", { "data-action": "quarantine", onclick: act("quarantine") }, "Quarantine"));
  }
  return el("div", { class: "actions" }, buttons);
}

// -- views --------------------------------------------------------------------------
let lastQuery = "";
let searchSeq = 0;
let graphOf = null;

const views = {
  async search() {
    const input = el("input", { name: "q", value: lastQuery, placeholder: "what do you want to recall?" });
    const results = el("div", { id: "results" });
    const run = async (e) => {
      if (e) e.preventDefault();
      lastQuery = input.value;
      const seq = ++searchSeq;
      results.dataset.pending = "1";
      const hits = await api(`/api/search?q=${encodeURIComponent(lastQuery)}`);
      if (seq !== searchSeq) return; // a newer search was asked for: only its answer is drawn
      results.dataset.pending = "0";
      results.replaceChildren(...(hits.length ? hits.map((h) =>
        card(h, el("div", { class: "why" }, `score ${h.score} · found by: ${h.found_by.join(", ")}`)))
        : [el("p", {}, lastQuery ? "No memories match." : "")]));
      results.dataset.query = lastQuery;
    };
    view.replaceChildren(el("form", { class: "bar", onsubmit: run }, input, el("button", {}, "Recall")), results);
    if (lastQuery) await run();
    input.focus();
  },

  async timeline() {
    const t = await api("/api/timeline");
    const chains = Object.entries(t.chains).map(([id, chain]) =>
      el("li", {}, chain.map((c) => c.slice(0, 8)).join(" → ")));
    view.replaceChildren(
      el("p", {}, `${t.total} memories · tiers: ${Object.entries(t.tiers).map(([k, v]) => `${k} ${v}`).join(", ")}`),
      barsByDay(t.per_day, t.kinds), legend(t.kinds),
      t.per_day.length ? el("div", { class: "meta" }, `${t.per_day[0].day} … ${t.per_day[t.per_day.length - 1].day}, memories a day by kind`) : "",
      chains.length ? el("details", {}, el("summary", {}, `${chains.length} supersession chains on this page`), el("ul", {}, chains)) : "",
      el("div", {}, t.memories.map((m) => card(m))),
      t.total > t.memories.length ? el("p", { class: "meta" }, `newest ${t.memories.length} of ${t.total} shown`) : "");
  },

  async graph() {
    if (!graphOf) { view.replaceChildren(el("p", {}, "Choose “Links” on a memory to see what it is linked to.")); return; }
    const g = await api(`/api/graph/${graphOf}`);
    view.replaceChildren(graphSvg(g), el("div", {}, g.nodes.map((m) => card(m))));
  },

  async retention() {
    const r = await api("/api/retention");
    const next = Object.entries(r.next_maintenance);
    view.replaceChildren(
      el("p", {}, `${r.live} live memories. Next maintenance: ${next.length ? next.map(([k, v]) => `${v} ${k}`).join(", ") : "no tier changes"}.`),
      el("div", { class: "meta" }, "Retention of the weakest memories from now on, if nothing recalls them; below a dashed line a memory moves down a tier (archived memories stay restorable)."),
      curvesSvg(r), legend([...new Set(r.curves.map((m) => m.kind))]),
      el("h3", {}, "Weakest memories"), el("div", {}, r.curves.slice(0, 15).map((m) => card(m))));
  },

  async conventions() {
    const rules = await api("/api/conventions");
    view.replaceChildren(rules.length ? el("div", {}, rules.map((r) => card(r, [
      r.turns.length ? el("details", { class: "sub" }, el("summary", {}, `read from ${r.turns.length} turn(s)`), r.turns.map((t) => el("div", { class: "meta" }, `${t.created_at.slice(0, 10)}: ${t.text}`))) : "",
      r.history.length ? el("details", { class: "sub" }, el("summary", {}, `${r.history.length} older version(s)`), r.history.map((h) => el("div", { class: "meta" }, h.text))) : "",
    ]))) : el("p", {}, "No conventions learned yet in this project."));
  },

  async flagged() {
    const rows = await api("/api/flagged");
    view.replaceChildren(rows.length ? el("div", {}, rows.map((m) => card(m))) : el("p", {}, "Nothing flagged."));
  },

  async status() {
    const s = await api("/api/status");
    const rows = Object.entries(s.status).map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", {}, Array.isArray(v) ? v.join(", ") || "-" : v ?? "-")));
    const projects = Object.entries(s.stats.projects);
    view.replaceChildren(el("table", {}, rows),
      el("h3", {}, `${s.stats.total} memories in ${projects.length} projects`),
      legend(Object.keys(KIND_COLOURS)),
      el("div", {}, projects.map(([name, p]) => el("div", { class: "project" },
        el("div", { class: "meta" }, `${name}: ${Object.entries(p.kind).map(([k, v]) => `${v} ${k}`).join(", ")} · tiers ${Object.entries(p.tier).map(([k, v]) => `${k} ${v}`).join(", ")}`),
        stackedBar(p.kind)))));
  },
};

// -- plots (SVG) ----------------------------------------------------------------------
const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children.flat(Infinity)) node.append(c);
  return node;
}

function legend(kinds) {
  return el("div", { class: "meta legend" }, kinds.map((k) =>
    el("span", {}, el("span", { class: "swatch", style: `background:${KIND_COLOURS[k] || "#888"}` }), ` ${k} `)));
}

function barsByDay(days, kinds) {
  const w = 1000, h = 140, max = Math.max(1, ...days.map((d) => kinds.reduce((s, k) => s + (d[k] || 0), 0)));
  const bw = Math.max(1, Math.floor(w / Math.max(days.length, 1)));
  const bars = [];
  days.forEach((d, i) => {
    let y = h;
    for (const k of kinds) {
      const bh = ((d[k] || 0) / max) * (h - 10);
      if (!bh) continue;
      y -= bh;
      bars.push(svg("rect", { x: i * bw, y, width: Math.max(1, bw - 1), height: bh, fill: KIND_COLOURS[k] || "#888" }, svg("title", {}, `${d.day} ${k}: ${d[k]}`)));
    }
  });
  return svg("svg", { viewBox: `0 0 ${w} ${h}`, width: "100%", height: h, role: "img", "aria-label": "memories per day by kind" }, bars);
}

function curvesSvg(r) {
  // Square-root time: the first days, where memories fade fastest, get room.
  const w = 1000, h = 220, last = r.days[r.days.length - 1];
  const x = (d) => 40 + Math.sqrt(d / last) * (w - 60), y = (v) => 10 + (1 - v) * (h - 30);
  const axis = [0, 0.5, 1].map((v) => svg("text", { x: 4, y: y(v) + 4, "font-size": 10 }, String(v)));
  const lines = Object.entries(r.thresholds).map(([name, v]) => [
    svg("line", { x1: 40, x2: w - 20, y1: y(v), y2: y(v), stroke: "#c33", "stroke-dasharray": "4 4" }),
    svg("text", { x: w - 60, y: y(v) - 3, "font-size": 11, fill: "#c33" }, name)]);
  const curves = r.curves.map((m) => svg("polyline", {
    points: m.curve.map((v, i) => `${x(r.days[i])},${y(v)}`).join(" "), fill: "none", stroke: KIND_COLOURS[m.kind] || "#888", "stroke-opacity": 0.6,
  }, svg("title", {}, m.text.slice(0, 80))));
  const ticks = r.days.map((d) => svg("text", { x: x(d), y: h - 4, "font-size": 10, "text-anchor": "middle" }, `${d}d`));
  return svg("svg", { viewBox: `0 0 ${w} ${h}`, width: "100%", height: h, role: "img", "aria-label": "retention ahead" }, axis, lines, curves, ticks);
}

function graphSvg(g) {
  const w = 1000, h = 360, cx = w / 2, cy = h / 2, pos = {};
  // Rings: the memory in the middle, what links to it around it, their links further out
  // beside the node they came through (so no two steps share one straight line).
  const angle = { [g.center]: 0 }, place = (id, a, ring) => {
    angle[id] = a;
    pos[id] = [cx + Math.cos(a) * ring * 210, cy + Math.sin(a) * ring * 75];
  };
  pos[g.center] = [cx, cy];
  const first = g.nodes.filter((n) => n.depth === 1);
  first.forEach((n, i) => place(n.id, -Math.PI / 2 + (2 * Math.PI * (i + 0.5)) / first.length, 1));
  const children = {};
  for (const n of g.nodes.filter((n) => n.depth >= 2)) (children[n.via] = children[n.via] || []).push(n);
  for (const [via, kids] of Object.entries(children)) {
    kids.forEach((n, i) => place(n.id, (angle[via] ?? 0) + (i - (kids.length - 1) / 2) * 0.45 + 0.25, 2));
  }
  const edges = g.edges.map((e) => svg("g", {},
    svg("line", { x1: pos[e.src][0], y1: pos[e.src][1], x2: pos[e.dst][0], y2: pos[e.dst][1], stroke: "#9aa5b8" }),
    svg("text", { x: (pos[e.src][0] + pos[e.dst][0]) / 2, y: (pos[e.src][1] + pos[e.dst][1]) / 2, "font-size": 10, fill: "#5b6477" }, e.relation)));
  const nodes = g.nodes.map((n) => svg("g", {},
    svg("circle", { cx: pos[n.id][0], cy: pos[n.id][1], r: n.id === g.center ? 9 : 6, fill: KIND_COLOURS[n.kind] || "#888" }),
    svg("text", { x: pos[n.id][0] + 10, y: pos[n.id][1] + 4, "font-size": 11 }, n.text.slice(0, 40))));
  return svg("svg", { viewBox: `0 0 ${w} ${h}`, width: "100%", height: h, role: "img", "aria-label": "links" }, edges, nodes);
}

function stackedBar(counts) {
  const total = Object.values(counts).reduce((a, b) => a + b, 0) || 1;
  let x = 0;
  const parts = Object.entries(counts).map(([k, v]) => {
    const part = svg("rect", { x: `${x}%`, y: 0, width: `${(v / total) * 100}%`, height: 14, fill: KIND_COLOURS[k] || "#888" }, svg("title", {}, `${k}: ${v}`));
    x += (v / total) * 100;
    return part;
  });
  return svg("svg", { width: "100%", height: 14 }, parts);
}

// -- navigation -------------------------------------------------------------------------
async function show(name) {
  current = name;
  const started = performance.now();
  try {
    await views[name]();
    document.body.dataset.rendered = name;
    document.body.dataset.renders = String(Number(document.body.dataset.renders || 0) + 1);
    document.body.dataset.renderMs = String(Math.round(performance.now() - started));
  } catch (e) { say(e.message); }
}

function select(name) {
  for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("on", b.dataset.view === name);
  say("");
  show(name);
}

document.getElementById("tabs").addEventListener("click", (e) => { if (e.target.dataset.view) select(e.target.dataset.view); });
projectInput.addEventListener("change", () => show(current));
if (!token) say("No token: open the address that `memd ui` printed.");
show("search");
