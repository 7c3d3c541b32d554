// app.js: the console's entry point. Routes the hash (#/templates, #/templates/{docType},
// #/customers, #/letterheads, #/batches, #/batches/{id}) to its view, and wires the controls.

import { apiKey, setApiKey } from "./api.js";
import { cancelBatch, startBatch, stopWatching, watchBatch } from "./batches.js";
import { byId, say } from "./dom.js";
import { edited, generate, openEditor, opened, overwrite, previewAgain, save, takeTheirs } from "./editor.js";
import { renumber, syncScroll } from "./lines.js";
import { more, openList, render } from "./lists.js";
import { compare, loadVersions } from "./versions.js";

const LISTS = ["templates", "customers", "letterheads", "batches"];

/** Show what the hash names; anything unknown shows the templates. */
async function route() {
  stopWatching();
  const [named, id] = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  const kind = LISTS.includes(named) ? named : "templates";
  for (const link of document.querySelectorAll("nav a")) {
    if (link.getAttribute("href") === `#/${kind}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (kind === "templates" && id !== undefined) {
    await openEditor(id);
    await loadVersions(id);
  } else if (kind === "batches" && id) {
    await watchBatch(id);
  } else {
    await openList(kind);
  }
}

function wireKey() {
  byId("api-key").value = apiKey();
  byId("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    setApiKey(byId("api-key").value.trim());
    say(apiKey() ? "Using the key for this tab." : "No key: only a local API answers.");
    route();
  });
  byId("forget-key").addEventListener("click", () => {
    setApiKey("");
    byId("api-key").value = "";
    say("Key forgotten.");
  });
}

function wireEditor() {
  const area = byId("template-text");
  area.addEventListener("input", renumber);
  area.addEventListener("scroll", syncScroll);
  for (const field of document.querySelectorAll("#template-form input, #template-form select, #template-text")) {
    field.addEventListener("input", edited);
  }
  byId("preview-customer").addEventListener("input", previewAgain);
  byId("greeting-default").addEventListener("change", (event) => {
    byId("greeting").disabled = event.target.checked;
  });
  byId("template-form").addEventListener("submit", (event) => {
    event.preventDefault();
    save();
  });
  byId("overwrite").addEventListener("click", overwrite);
  byId("take-theirs").addEventListener("click", takeTheirs);
  byId("generate").addEventListener("click", generate);
  byId("start-batch").addEventListener("click", () => startBatch(opened.docType));
  for (const radio of document.querySelectorAll("input[name=batch-to]")) {
    radio.addEventListener("change", () => {
      byId("batch-picks").hidden = radio.value === "all" && radio.checked;
    });
  }
  byId("compare").addEventListener("click", () => compare(opened.docType));
}

function wireLists() {
  byId("list-search").addEventListener("input", render);
  byId("list-more").addEventListener("click", more);
  byId("new-template").addEventListener("click", () => {
    location.hash = "#/templates/";
  });
  byId("cancel-batch").addEventListener("click", () => cancelBatch(location.hash.split("/")[2]));
}

wireKey();
wireEditor();
wireLists();
window.addEventListener("hashchange", route);
route();
