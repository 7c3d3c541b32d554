// preview.js: the live preview. Each edit waits 250 ms for the next one, then asks the API to
// render the unsaved template for the chosen customer; an older request still in flight is
// aborted, so a slow answer never overwrites a newer one. Errors are shown at their line.

import { ApiError, call, seg } from "./api.js";
import { byId, el, fill } from "./dom.js";
import { goToLine, mark } from "./lines.js";

const WAIT_MS = 250;
let timer = null;
let inFlight = null;

/** Render again after the user pauses; ``draft()`` gives {docType, template fields}. */
export function schedule(draft) {
  clearTimeout(timer);
  timer = setTimeout(() => run(draft()), WAIT_MS);
}

async function run({ docType, template }) {
  const customerId = byId("preview-customer").value;
  if (!customerId) return;
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  byId("preview").setAttribute("aria-busy", "true");
  try {
    const path = `/templates/${seg(docType || "Draft")}/preview`;
    const { data } = await call("POST", path, { body: { customerId, template }, signal: controller.signal });
    showLetter(data);
  } catch (error) {
    if (error.name === "AbortError") return; // a newer edit took over
    showError(error);
  } finally {
    if (inFlight === controller) {
      inFlight = null;
      byId("preview").removeAttribute("aria-busy");
    }
  }
}

function showLetter({ text, variables }) {
  clearErrors();
  byId("preview").classList.remove("stale");
  byId("preview").textContent = text;
  fill(byId("variables"), ...variables.map((name) => el("li", {}, el("code", {}, name))));
}

/** Where a message names a line: "text, line 3: ..." (400) or "... rendered: line 3: ..." (422). */
export function errorLine(message) {
  const found = /^(text|greeting), line (\d+): /.exec(message);
  if (found) return { field: found[1], line: Number(found[2]) };
  const rendered = /^(the greeting of )?template .* cannot be rendered: line (\d+): /.exec(message);
  if (rendered) return { field: rendered[1] ? "greeting" : "text", line: Number(rendered[2]) };
  return null;
}

function clearErrors() {
  for (const id of ["preview-error", "text-error", "greeting-error"]) byId(id).hidden = true;
  mark(null);
}

function showError(error) {
  clearErrors();
  const known = error instanceof ApiError && [400, 404, 422].includes(error.status);
  const where = known ? errorLine(error.message) : null;
  const box = byId(where ? `${where.field}-error` : "preview-error");
  fill(box, error.message);
  if (where?.field === "text") {
    mark(where.line);
    const jump = el("button", { type: "button", class: "link" }, `Go to line ${where.line}`);
    jump.addEventListener("click", () => goToLine(where.line));
    box.append(" ", jump);
  }
  box.hidden = false;
  byId("preview").classList.add("stale");
}
