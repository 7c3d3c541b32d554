// editor.js: one template's editor. Loads the template, the customers to preview for and the
// letterheads to pick; saves with If-Match, and on a 412 shows what the other save changed.

import { ApiError, call, everything, seg } from "./api.js";
import { fieldChanges, lineDiff, showDiff } from "./diff.js";
import { byId, el, fill, options, say, showView } from "./dom.js";
import { renumber } from "./lines.js";
import { schedule } from "./preview.js";

/** The template fields the editor edits, as the API names them, and their inputs. */
const INPUTS = {
  text: "template-text",
  greeting: "greeting",
  description: "description",
  markup: "markup",
  pageSize: "page-size",
  locale: "locale",
  letterhead: "letterhead",
};

/** What is open: its name, the version it was loaded at (null: new), and that version. */
export const opened = { docType: "", version: null, loaded: null, theirs: null };

/** The body PUT /templates/{docType} takes, from the form; empty optional fields are left out. */
export function templateBody() {
  const body = { text: byId("template-text").value };
  if (!byId("greeting-default").checked) body.greeting = byId("greeting").value;
  for (const name of ["description", "markup", "pageSize", "locale", "letterhead"]) {
    const value = byId(INPUTS[name]).value.trim();
    if (value) body[name] = value;
  }
  return body;
}

const draft = () => ({ docType: byId("doc-type").value.trim(), template: templateBody() });

/** Fill the form from a template resource (or empty, for a new one). */
function load(template) {
  for (const [name, id] of Object.entries(INPUTS)) byId(id).value = template?.[name] ?? "";
  const byDefault = !template || template.greeting === null;
  byId("greeting-default").checked = byDefault;
  byId("greeting").disabled = byDefault;
  opened.loaded = template;
  opened.version = template ? template.version : null;
  byId("version").textContent = template ? `Version ${template.version}, saved ${template.updatedAt ?? "(no date)"}` : "Not saved yet";
  byId("unsaved").hidden = true;
  byId("conflict").hidden = true;
  renumber();
}

/** Open ``docType``'s editor, or an empty one for a new template (``docType`` empty). */
export async function openEditor(docType) {
  showView("editor-view");
  opened.docType = docType;
  byId("editor-title").textContent = docType ? `Template ${docType}` : "New template";
  byId("doc-type").value = docType;
  byId("doctype-field").hidden = Boolean(docType);
  // Generating and batches read the stored template: a new one must be saved first.
  for (const id of ["generate", "start-batch"]) byId(id).disabled = !docType;
  fill(byId("document")); // the last template's document link
  try {
    const [template, customers, letterheads] = await Promise.all([
      docType ? call("GET", `/templates/${seg(docType)}`).then((answer) => answer.data) : null,
      everything("/customers"),
      everything("/letterheads"),
    ]);
    options(byId("preview-customer"), customers.map((c) => [c.customerId, `${c.name} (${c.customerId})`]));
    options(byId("letterhead"), [["", "none"], ...letterheads.map((l) => [l.name])]);
    fill(byId("batch-picks"), ...customers.map(pickBox));
    load(template);
    schedule(draft);
  } catch (error) {
    say(`Could not open the template: ${error.message}`);
  }
}

function pickBox(customer) {
  const box = el("input", { type: "checkbox", value: customer.customerId, name: "batch-pick" });
  return el("label", { class: "check" }, box, ` ${customer.name} (${customer.customerId})`);
}

/** Save; ``over`` is the version to replace (a 412 shown and overridden), else the loaded one. */
export async function save(over = opened.version) {
  const docType = byId("doc-type").value.trim();
  const headers = over === null ? {} : { "If-Match": `"${over}"` };
  try {
    const { data } = await call("PUT", `/templates/${seg(docType)}`, { body: templateBody(), headers });
    load(data);
    say(`Saved ${docType}, version ${data.version}.`);
    if (!opened.docType) location.hash = `#/templates/${encodeURIComponent(docType)}`;
  } catch (error) {
    if (error instanceof ApiError && error.status === 412) return showConflict(docType);
    say(`Not saved: ${error.message}`);
  }
}

/** What the other save changed, field by field and line by line, against what is here. */
async function showConflict(docType) {
  let theirs;
  try {
    theirs = (await call("GET", `/templates/${seg(docType)}`)).data;
  } catch (error) {
    return say(`Not saved, and the current version cannot be read: ${error.message}`);
  }
  opened.theirs = theirs;
  const mine = templateBody();
  const changed = fieldChanges(mine, theirs, Object.keys(INPUTS));
  byId("conflict-summary").textContent =
    `Version ${theirs.version} was saved at ${theirs.updatedAt} after you opened version ` +
    `${opened.version}. Fields that differ from yours: ${changed.map(([name]) => name).join(", ") || "none"}.`;
  showDiff(byId("conflict-fields"), lineDiff(mine.text, theirs.text));
  byId("conflict").hidden = false;
  say("Not saved: someone else saved this template first.");
}

export function takeTheirs() {
  load(opened.theirs);
  schedule(draft);
}

export const overwrite = () => save(opened.theirs.version);
export const previewAgain = () => schedule(draft);

/** After any edit: say the form differs from what is stored, and preview it. */
export function edited() {
  byId("unsaved").hidden = false;
  previewAgain();
}

/** Generate the chosen format for the preview's customer and link the document. */
export async function generate() {
  const customerId = byId("preview-customer").value;
  const format = byId("format").value;
  const path = `/customers/${seg(customerId)}/documents/${seg(opened.docType)}?format=${format}`;
  try {
    const { data } = await call("POST", path);
    const link = el("a", { href: data.url, target: "_blank", rel: "noopener", id: "document-link" }, `Open ${data.key}`);
    fill(byId("document"), link, ` (${data.size} bytes, template version ${data.templateVersion})`);
    say(`Generated ${data.key}.`);
  } catch (error) {
    fill(byId("document"), `Not generated: ${error.message}`);
  }
}
