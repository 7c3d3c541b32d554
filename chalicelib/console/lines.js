// lines.js: the template text's line-numbered gutter, kept in step with the textarea, and
// the marker on the line an error names (with a way to jump there by keyboard).

import { byId, el, fill } from "./dom.js";

let marked = null;

/** Number the gutter's lines to match the text, marking the errored line if any. */
export function renumber() {
  const count = byId("template-text").value.split("\n").length;
  const numbers = [];
  for (let line = 1; line <= count; line += 1) {
    const wrong = line === marked;
    numbers.push(el("span", { class: wrong ? "line wrong" : "line" }, wrong ? `▶ ${line}` : String(line)), "\n");
  }
  fill(byId("gutter"), ...numbers);
  syncScroll();
}

export function syncScroll() {
  byId("gutter").scrollTop = byId("template-text").scrollTop;
}

/** Mark ``line`` of the text (or nothing, with null). */
export function mark(line) {
  marked = line;
  renumber();
}

/** Put the caret at the start of ``line`` and select it, so the user lands on the mistake. */
export function goToLine(line) {
  const area = byId("template-text");
  const lines = area.value.split("\n");
  const start = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0);
  area.focus();
  area.setSelectionRange(start, start + (lines[line - 1] ?? "").length);
}
