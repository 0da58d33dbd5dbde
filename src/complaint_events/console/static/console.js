// The handler console's few behaviours; every page also works without them.
// - queue: "refresh" (and every 30 s) fetches the rows fragment and swaps it in;
// - case: a sent command's outcome is polled until decided, then the case is re-read;
// - as-of: the slider picks one of the case's event instants.
"use strict";

async function fetchText(url) {
  const answer = await fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } });
  if (!answer.ok) { throw new Error(String(answer.status)); }
  return answer.text();
}

function setUpQueue() {
  const form = document.querySelector("form[data-refresh]");
  if (!form) { return; }
  const target = document.getElementById(form.dataset.target);
  async function refresh() {
    const params = new URLSearchParams(new FormData(form));
    for (const [name, value] of [...params.entries()]) { if (!value) { params.delete(name); } }
    try {
      target.innerHTML = await fetchText(form.dataset.refresh + "?" + params.toString());
      target.dataset.refreshed = String(Date.now());
    } catch (error) { /* keep the rows shown; the next refresh tries again */ }
  }
  form.querySelector("[data-action=refresh]").addEventListener("click", refresh);
  window.setInterval(refresh, 30000);
}

function setUpOutcome() {
  const box = document.getElementById("outcome");
  if (!box) { return; }
  const url = "/console/commands/" + box.dataset.command;
  let tries = 0;
  async function poll() {
    tries += 1;
    try {
      box.innerHTML = await fetchText(url);
    } catch (error) { /* not readable yet */ }
    const shown = box.querySelector("[data-state]");
    const state = shown ? shown.dataset.state : "pending";
    if (state === "pending" && tries < 120) { window.setTimeout(poll, 500); return; }
    if (state !== "pending") { await reread(); }
  }
  window.setTimeout(poll, 200);
}

async function reread() {
  const live = document.getElementById("case-live");
  if (!live) { return; }
  const page = new DOMParser().parseFromString(await fetchText(window.location.href), "text/html");
  const fresh = page.getElementById("case-live");
  if (fresh) { live.replaceWith(fresh); }
}

function setUpAsOf() {
  const slider = document.querySelector("[data-action=as-of-slider]");
  if (!slider) { return; }
  const select = slider.form.querySelector("select[name=as_of]");
  slider.addEventListener("input", () => { select.selectedIndex = Number(slider.value); });
  select.addEventListener("change", () => { slider.value = String(select.selectedIndex); });
}

document.addEventListener("DOMContentLoaded", () => { setUpQueue(); setUpOutcome(); setUpAsOf(); });
