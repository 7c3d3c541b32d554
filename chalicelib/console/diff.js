// diff.js: a line diff (longest common subsequence) and its rendering as a table, for
// comparing two template versions and for showing what changed behind a 412.

import { el, fill } from "./dom.js";

/** [["=", line] | ["-", line] | ["+", line]] turning ``before`` into ``after``. */
export function lineDiff(before, after) {
  const a = before.split("\n");
  const b = after.split("\n");
  // common[i][j]: the longest common subsequence of a[i:] and b[j:].
  const common = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) {
      common[i][j] = a[i] === b[j] ? common[i + 1][j + 1] + 1 : Math.max(common[i + 1][j], common[i][j + 1]);
    }
  }
  const steps = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      steps.push(["=", a[i]]);
      i += 1;
      j += 1;
    } else if (i < a.length && (j === b.length || common[i + 1][j] >= common[i][j + 1])) {
      steps.push(["-", a[i]]);
      i += 1;
    } else {
      steps.push(["+", b[j]]);
      j += 1;
    }
  }
  return steps;
}

const LABELS = { "=": "same", "-": "removed", "+": "added" };

/** Show a diff in ``table``: one row a line, its kind said in words and marked by class. */
export function showDiff(table, steps) {
  const rows = steps.map(([kind, line]) =>
    el(
      "tr",
      { class: `diff-${LABELS[kind]}` },
      el("td", { class: "mark" }, el("span", { class: "sr" }, LABELS[kind]), kind === "=" ? " " : kind),
      el("td", {}, el("code", {}, line)),
    ),
  );
  fill(table, el("tbody", {}, ...rows));
}

/** The fields whose values differ: [[name, mine, theirs]]. */
export function fieldChanges(mine, theirs, names) {
  return names
    .filter((name) => JSON.stringify(mine[name] ?? null) !== JSON.stringify(theirs[name] ?? null))
    .map((name) => [name, mine[name] ?? null, theirs[name] ?? null]);
}
