"use strict";
// The dashboard: polls /status and /timeline once a second, shows every
// target and the run's timeline, and sends the control requests with the
// token typed into the page (kept in sessionStorage for this tab only).

const POLL_MS = 1000;
const TOKEN_KEY = "chaos-engine.token";
const $ = (id) => document.getElementById(id);
const seen = { status: null, timeline: null, skew: 0, swatches: new Map() };

// ---- formatting ----
const serverNow = () => Date.now() / 1000 + seen.skew;
const clock = (unix) => new Date(unix * 1000).toLocaleTimeString();
const pad = (n) => String(Math.floor(n)).padStart(2, "0");
function span(seconds) {
  const s = Math.max(0, seconds);
  if (s < 60) return s.toFixed(1) + " s";
  if (s < 3600) return Math.floor(s / 60) + " min " + pad(s % 60) + " s";
  return Math.floor(s / 3600) + " h " + pad((s % 3600) / 60) + " min";
}
function sinceStart(s) {
  const h = Math.floor(s / 3600);
  return (h ? h + ":" + pad((s % 3600) / 60) : Math.floor(s / 60)) + ":" + pad(s % 60);
}
// ---- scenario swatches ----
// /timeline lists every scenario of the run with the swatch the report
// draws it in (a palette colour, beyond the palette a pattern over one):
// the page uses that `fill` and `<pattern>` as given, deriving nothing.
function learnSwatches(timeline) {
  seen.swatches = new Map((timeline.scenarios || []).map((s) => [s.scenario, s]));
}
function fillOf(scenario) {
  const swatch = seen.swatches.get(scenario);
  return swatch ? swatch.fill : "#888888";
}
function swatchDefs() {
  return [...seen.swatches.values()].map((s) => s.pattern_svg || "").join("");
}
function swatchLegend(drawn) {
  const entries = [...seen.swatches.values()].filter((s) => drawn.has(s.scenario)).map((s) =>
    `<span class="swatch" data-scenario="${esc(s.scenario)}" data-pattern="${esc(s.pattern)}">` +
    `<svg width="16" height="12" aria-hidden="true"><rect width="16" height="12" fill="${esc(s.fill)}" stroke="#00000040"/></svg>` +
    `${esc(s.scenario)}</span>`);
  // The legend holds the patterns' definitions too, for its own samples.
  return `<svg class="swatch-defs" width="0" height="0" aria-hidden="true"><defs>${swatchDefs()}</defs></svg>` + entries.join("");
}
const esc = (text) => String(text).replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
const round = (n) => Math.round(n * 10) / 10;

// ---- answers of the control requests ----
function say(kind, text) {
  const answer = $("answer");
  answer.className = "answer " + kind;
  answer.textContent = text;
}
function describe(data) {
  if (data.injected) {
    const f = data.injected;
    return `injected ${f.scenario} (${f.mode}) into ${data.target} until ${clock(f.expires_at)}`;
  }
  for (const key of ["paused", "resumed", "cleared"]) {
    if (Array.isArray(data[key])) return data[key].length ? `${key} ${data[key].join(", ")}` : `nothing to do (already ${key})`;
  }
  return JSON.stringify(data);
}
async function send(label, path, body) {
  const headers = {};
  const token = $("token").value.trim();
  if (token) headers.Authorization = "Bearer " + token;
  if (body) headers["Content-Type"] = "application/json";
  say("", label + "…");
  try {
    const response = await fetch(path, { method: "POST", headers, body: body ? JSON.stringify(body) : undefined });
    const text = await response.text();
    let data;
    try { data = JSON.parse(text); } catch (_) { data = { error: text }; }
    if (response.ok) say("ok", `${label}: ${describe(data)}`);
    else {
      const hint = response.status === 401 ? "; type the API token (CHAOS_API_TOKEN) above" : "";
      say("error", `${label} refused (HTTP ${response.status}): ${data.error || text}${hint}`);
    }
  } catch (err) {
    say("error", `${label} failed: ${err.message}`);
  }
  refresh();
}

// ---- target cards ----
function fill(element, ...parts) {
  element.replaceChildren(...parts.map((p) => (typeof p === "string" ? document.createTextNode(p) : p)));
}
function countdown(until) {
  const element = document.createElement("span");
  element.className = "countdown";
  element.dataset.until = until;
  tickOne(element);
  return element;
}
function tickOne(element) {
  const left = Number(element.dataset.until) - serverNow();
  element.textContent = left > 0 ? "in " + span(left) : "due now";
}
function card(name, index) {
  const cards = $("targets");
  let element = [...cards.children].find((c) => c.dataset.target === name);
  if (!element) {
    element = $("card").content.firstElementChild.cloneNode(true);
    element.dataset.target = name;
    element.setAttribute("aria-label", "target " + name);
    element.querySelector("[data-field=name]").textContent = name;
    element.querySelector("[role=group]").setAttribute("aria-label", "control " + name);
    for (const button of element.querySelectorAll("[data-action]")) {
      const label = `${button.textContent} ${name}`;
      button.setAttribute("aria-label", label);
      button.addEventListener("click", () => send(label, `/${button.dataset.action}?target=${encodeURIComponent(name)}`));
    }
  }
  if (cards.children[index] !== element) cards.insertBefore(element, cards.children[index] || null);
  return element;
}
function fillCard(element, t) {
  const field = (name) => element.querySelector(`[data-field=${name}]`);
  const f = t.failure;
  element.classList.toggle("failing", f != null);
  field("mode").textContent = t.mode;
  field("mode").classList.toggle("failing", f != null);
  field("paused").textContent = t.paused ? "schedule paused" : "";
  if (f) {
    const delay = f.delay ? `, delay ${f.delay} s` : "";
    const shown = f.manifested_at != null ? `manifested after ${span(f.manifested_at - f.injected_at)}` : "not seen by a probe";
    fill(field("failure"), `${f.scenario} (${f.mode}${delay}), ${shown}; ends `, countdown(f.expires_at));
  } else fill(field("failure"), "none");
  if (t.next_injection_at != null) fill(field("next"), countdown(t.next_injection_at), ` (${clock(t.next_injection_at)})`);
  else fill(field("next"), t.paused ? "none while paused" : "none planned");
  const o = t.last_outcome;
  const by = o && o.repaired_by ? ` (${o.repaired_by})` : "";
  fill(field("outcome"), o ? `${o.scenario} ended by ${o.ended_by}${by} after ${span(o.ended_at - o.injected_at)}, at ${clock(o.ended_at)}` : "none yet");
  const k = t.last_skip;
  fill(field("skip"), k ? `${k.reason} at ${clock(k.at)}: ${k.detail}` : "none");
  fill(field("counts"), `${t.injections} injected, ${t.recoveries} ended (${t.repairs} repaired, ${t.expirations} expired), ` +
    `${t.skipped} skipped, ${t.write_errors} write errors`);
  fillHealth(element, t);
  // Long texts are cut to a few lines on the card; the whole text is the tooltip.
  for (const clamped of element.querySelectorAll(".clamp")) clamped.title = clamped.textContent;
}
// The service's health from its probe (up, down, degraded, unknown): its own
// badge, apart from the state file's mode.
const HEALTH_SAYS = {
  up: "answers its probe as expected",
  down: "does not answer its probe",
  degraded: "answers its probe wrongly, or only sometimes",
  unknown: "no probe configured, or no answer yet",
};
function fillHealth(element, t) {
  const health = HEALTH_SAYS[t.health] ? t.health : "unknown";
  const badge = element.querySelector("[data-field=health]");
  badge.textContent = health;
  badge.className = "badge health " + health;
  badge.title = "service " + health + ": " + HEALTH_SAYS[health];
  element.classList.toggle("service-down", health === "down");
  const since = t.health_since != null && health !== "unknown" ? ` for ${span(serverNow() - t.health_since)}` : "";
  const detail = t.health_detail ? `: ${t.health_detail}` : "";
  element.querySelector("[data-field=health-detail]").textContent = `${health}${since}${detail}`;
}
function renderStatus(status, seed) {
  const mode = !status.enabled ? "chaos disabled" : status.dry_run ? "dry run" : "chaos enabled";
  $("run").textContent = `${status.targets.length} targets · ${mode} · ${status.paused ? "all paused" : "schedule running"} · seed ${seed}`;
  const names = status.targets.map((t) => t.name);
  for (const old of [...$("targets").children]) if (!names.includes(old.dataset.target)) old.remove();
  status.targets.forEach((t, i) => fillCard(card(t.name, i), t));
  const select = $("inject-target");
  if ([...select.options].map((o) => o.value).join("\n") !== names.join("\n")) {
    const chosen = select.value;
    select.replaceChildren(...names.map((n) => new Option(n, n)));
    if (names.includes(chosen)) select.value = chosen;
  }
  renderScenarioPicker(status);
  renderControlNote(status);
}

// ---- the inject control: the chosen target's own scenarios ----
function scenarioLabel(s) {
  const delay = s.delay ? (s.delay[0] === s.delay[1] ? `, delay ${s.delay[0]} s` : `, delay ${s.delay[0]}–${s.delay[1]} s`) : "";
  return `${s.name} (${s.mode}${delay})`;
}
function renderScenarioPicker(status) {
  const target = status.targets.find((t) => t.name === $("inject-target").value);
  const scenarios = target && target.scenarios ? target.scenarios : [];
  const picker = $("inject-scenario");
  const wanted = scenarios.map((s) => s.name + "\t" + scenarioLabel(s)).join("\n");
  if (picker.dataset.shown === wanted) return;
  const chosen = picker.value;
  picker.replaceChildren(...scenarios.map((s) => new Option(scenarioLabel(s), s.name)));
  picker.dataset.shown = wanted;
  if (scenarios.some((s) => s.name === chosen)) picker.value = chosen;
}

// ---- who may control, said before the first click ----
function renderControlNote(status) {
  const note = $("control-note");
  let text = "";
  if (status.control === "disabled") {
    text = "Controls are disabled: the engine listens on a non-loopback address and CHAOS_API_TOKEN is not set, " +
      "so every button answers 403. Restart the engine with CHAOS_API_TOKEN=<a secret> in its environment, then type that token above.";
  } else if (status.control === "token" && !$("token").value.trim()) {
    text = "Controls need the API token: type the engine's CHAOS_API_TOKEN above.";
  }
  note.textContent = text;
  note.hidden = text === "";
}

// ---- timeline ----
function lanes(events) {
  const byTarget = new Map();
  const lane = (target) => {
    if (!byTarget.has(target)) byTarget.set(target, { failures: [], open: new Map(), skips: [], pauses: [], pausedAt: null });
    return byTarget.get(target);
  };
  for (const e of events) {
    const l = lane(e.target);
    if (e.kind === "injected") {
      const failure = { id: e.id, scenario: e.scenario, mode: e.mode, start: e.at, manifested: null, end: null, endedBy: null };
      l.failures.push(failure);
      l.open.set(e.id, failure);
    } else if (e.kind === "manifested") {
      const failure = l.open.get(e.id);
      if (failure) failure.manifested = e.at;
    } else if (e.kind === "ended") {
      let failure = l.open.get(e.id);
      if (!failure) {
        failure = { id: e.id, scenario: e.scenario, mode: "", start: null, manifested: null };
        l.failures.push(failure);
      }
      failure.end = e.at;
      failure.endedBy = e.ended_by;
      l.open.delete(e.id);
    } else if (e.kind === "skipped") l.skips.push(e);
    else if (e.kind === "paused") l.pausedAt = e.at;
    else if (e.kind === "resumed" && l.pausedAt != null) {
      l.pauses.push([l.pausedAt, e.at]);
      l.pausedAt = null;
    }
  }
  return byTarget;
}
function niceStep(raw) {
  return [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400].find((s) => s >= raw) || 86400;
}
function renderTimeline(timeline, targets) {
  const now = timeline.now;
  const t0 = timeline.dropped > 0 && timeline.events.length ? timeline.events[0].at : timeline.started_at;
  const t1 = Math.max(now, t0 + 10);
  const width = Math.max(480, $("timeline").clientWidth);
  const [label, right, laneHeight, top] = [140, 14, 30, 4];
  const x = (t) => round(label + ((Math.min(Math.max(t, t0), t1) - t0) / (t1 - t0)) * (width - label - right));
  const byTarget = lanes(timeline.events);
  const height = top + targets.length * laneHeight + 22;
  let svg = `<svg viewBox="0 0 ${width} ${height}" height="${height}" role="img" aria-label="failures per target over this run">`;
  const drawn = new Set();
  targets.forEach((target, i) => {
    const y = top + i * laneHeight;
    const l = byTarget.get(target.name) || { failures: [], skips: [], pauses: [], pausedAt: null };
    const pauses = l.pausedAt != null ? [...l.pauses, [l.pausedAt, now]] : l.pauses;
    svg += `<g class="lane" data-target="${esc(target.name)}">`;
    svg += `<rect x="${label}" y="${y}" width="${width - label - right}" height="${laneHeight - 4}" fill="${i % 2 ? "#eef1f4" : "#f8f9fa"}"/>`;
    svg += `<text x="4" y="${y + 17}">${esc(target.name)}</text>`;
    for (const [from, to] of pauses) {
      svg += `<rect class="pause" x="${x(from)}" y="${y}" width="${Math.max(1, x(to) - x(from))}" height="${laneHeight - 4}" ` +
        `fill="#9aa3ad" opacity="0.45"><title>paused ${clock(from)}</title></rect>`;
    }
    for (const f of l.failures) {
      const [a, b] = [x(f.start ?? t0), x(f.end ?? now)];
      const ending = f.end != null ? `ended by ${f.endedBy} at ${clock(f.end)}` : "still active";
      drawn.add(f.scenario);
      svg += `<rect class="failure" data-scenario="${esc(f.scenario)}" x="${a}" y="${y + 6}" width="${Math.max(2, round(b - a))}" ` +
        `height="${laneHeight - 16}" fill="${esc(fillOf(f.scenario))}" stroke="#1b1f24" stroke-width="0.6"` +
        `${f.end == null ? ' stroke-dasharray="3 2"' : ""}><title>${esc(f.scenario)} ${esc(f.mode)}: ${ending}</title></rect>`;
      if (f.manifested != null) {
        svg += `<path class="manifested" d="M${x(f.manifested) - 4} ${y + 1}h8l-4 6z" fill="#1b1f24"><title>manifested at ${clock(f.manifested)}</title></path>`;
      }
      if (f.end != null) svg += `<rect class="ended" x="${b - 1}" y="${y + 3}" width="2" height="${laneHeight - 10}" fill="#1b1f24"/>`;
    }
    for (const s of l.skips) {
      svg += `<rect class="skip" x="${x(s.at) - 0.75}" y="${y + laneHeight - 10}" width="1.5" height="5" fill="#5b6470">` +
        `<title>skipped (${esc(s.reason)}) at ${clock(s.at)}: ${esc(s.detail)}</title></rect>`;
    }
    svg += "</g>";
  });
  const axisY = top + targets.length * laneHeight + 14;
  const step = niceStep((t1 - t0) / 8);
  for (let s = Math.ceil((t0 - timeline.started_at) / step) * step; timeline.started_at + s <= t1; s += step) {
    svg += `<text class="axis" x="${x(timeline.started_at + s)}" y="${axisY}" text-anchor="middle">${sinceStart(s)}</text>`;
  }
  $("timeline").innerHTML = svg + "</svg>";
  $("legend").innerHTML = swatchLegend(drawn) + "<span>▼ manifested · ▮ ended · ▏ skipped cycle · grey: paused · dashed: active</span>";
  const dropped = timeline.dropped ? `; ${timeline.dropped} older events no longer kept` : "";
  $("timeline-note").textContent = `${timeline.events.length} events, ${clock(t0)} to ${clock(now)} (time since start)${dropped}`;
}

// ---- polling ----
async function getJson(path) {
  // In blind mode the reads need the control token: send it when typed.
  const headers = {};
  const token = $("token").value.trim();
  if (token) headers.Authorization = "Bearer " + token;
  const response = await fetch(path, { cache: "no-store", headers });
  if (response.status === 401 || response.status === 403) {
    throw new Error("blind mode: type the control token (CHAOS_API_TOKEN) above to see the run");
  }
  if (!response.ok) throw new Error(`${path} answered HTTP ${response.status}`);
  const text = await response.text();
  return [JSON.parse(text), text];
}
function render() {
  if (!seen.status) return;
  renderStatus(seen.status, seen.seed);
  renderTimeline(seen.timeline, seen.status.targets);
}
async function refresh() {
  try {
    const [[status, raw], [timeline]] = await Promise.all([getJson("/status"), getJson("/timeline")]);
    seen.skew = timeline.now - Date.now() / 1000;
    // The seed is a 64-bit integer: JSON.parse would round it.
    const seed = /"seed":(\d+)/.exec(raw);
    Object.assign(seen, { status, timeline, seed: seed ? seed[1] : String(status.seed) });
    learnSwatches(timeline);
    render();
    $("link").textContent = "updated " + new Date().toLocaleTimeString();
    $("link").classList.remove("down");
  } catch (err) {
    $("link").textContent = err.message.startsWith("blind mode")
      ? err.message
      : "engine not answering: " + err.message;
    $("link").classList.add("down");
  }
}
async function poll() {
  await refresh();
  setTimeout(poll, POLL_MS);
}

// ---- wiring ----
function remember(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch (_) { /* storage unavailable: the field still works for this page */ }
}
try { $("token").value = sessionStorage.getItem(TOKEN_KEY) || ""; } catch (_) { /* as above */ }
$("token").addEventListener("input", () => remember($("token").value.trim()));
$("pause-all").addEventListener("click", () => send("Pause all", "/pause"));
$("resume-all").addEventListener("click", () => send("Resume all", "/resume"));
$("clear-all").addEventListener("click", () => send("Clear all", "/clear"));
$("inject").addEventListener("submit", (event) => {
  event.preventDefault();
  const [target, scenario] = [$("inject-target").value, $("inject-scenario").value];
  send(`Inject ${scenario} into ${target}`, "/inject", { target, scenario });
});
$("inject-target").addEventListener("change", () => seen.status && renderScenarioPicker(seen.status));
$("token").addEventListener("input", () => seen.status && renderControlNote(seen.status));
window.addEventListener("resize", render);
setInterval(() => document.querySelectorAll("[data-until]").forEach(tickOne), 250);
poll();
