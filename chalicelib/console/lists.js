// lists.js: the list views (templates, customers, letterheads, batches): pages fetched with
// limit and next ("Load more"), filtered as the user types over what has been fetched.

import { page } from "./api.js";
import { byId, el, fill, say, showView } from "./dom.js";

const KINDS = {
  templates: {
    title: "Templates",
    columns: ["docType", "description", "version", "updatedAt"],
    link: (item) => `#/templates/${encodeURIComponent(item.docType)}`,
  },
  customers: { title: "Customers", columns: ["customerId", "name", "version", "updatedAt"] },
  letterheads: { title: "Letterheads", columns: ["name", "version", "updatedAt"] },
  batches: {
    title: "Batches",
    columns: ["batchId", "docType", "status", "succeeded", "failed", "total", "createdAt"],
    link: (item) => `#/batches/${encodeURIComponent(item.batchId)}`,
  },
};

let shown = { kind: null, items: [], next: null };

/** Open the list of ``kind``: its first page, with the search box cleared. */
export async function openList(kind) {
  const spec = KINDS[kind];
  shown = { kind, items: [], next: null };
  showView("list-view");
  byId("list-title").textContent = spec.title;
  byId("list-search").value = "";
  byId("new-template").hidden = kind !== "templates";
  fill(byId("list-head"), ...spec.columns.map((name) => el("th", { scope: "col" }, name)));
  fill(byId("list-rows"));
  await more();
}

/** Fetch the next page and show it. */
export async function more() {
  const { kind } = shown;
  try {
    const got = await page(`/${kind}`, shown.next);
    if (kind !== shown.kind) return; // the user went elsewhere meanwhile
    shown.items.push(...got.items);
    shown.next = got.next;
    render();
  } catch (error) {
    say(`Could not list ${kind}: ${error.message}`);
  }
}

/** The rows whose values contain the search text (any case). */
export function render() {
  const spec = KINDS[shown.kind];
  const wanted = byId("list-search").value.trim().toLowerCase();
  const rows = shown.items.filter(
    (item) => !wanted || spec.columns.some((name) => String(item[name] ?? "").toLowerCase().includes(wanted)),
  );
  fill(
    byId("list-rows"),
    ...rows.map((item) =>
      el(
        "tr",
        {},
        ...spec.columns.map((name, index) => {
          const value = String(item[name] ?? "");
          const cell = index === 0 && spec.link ? el("a", { href: spec.link(item) }, value) : value;
          return el(index === 0 ? "th" : "td", index === 0 ? { scope: "row" } : {}, cell);
        }),
      ),
    ),
  );
  const more = shown.next ? " (more to load)" : "";
  byId("list-count").textContent = `${rows.length} of ${shown.items.length} shown${more}`;
  byId("list-more").hidden = !shown.next;
}
