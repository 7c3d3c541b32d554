// batches.js: start a batch for all or the picked customers, then watch it: its progress
// (GET /batches/{id}, polled until it is over), its failed letters and its outputs.

import { call, everything, seg } from "./api.js";
import { byId, el, fill, say, showView } from "./dom.js";

const POLL_MS = 1000;
const OUTPUT_POLLS = 60;
const OVER = ["succeeded", "partial", "failed", "cancelled"];
let watching = null;

/** POST /batches for the open template, then open the batch's view. */
export async function startBatch(docType) {
  const format = byId("batch-format").value;
  const body = { docType, format, output: { zip: true, pdf: format === "pdf" } };
  if (document.querySelector("input[name=batch-to]:checked").value === "all") body.allCustomers = true;
  else {
    body.customerIds = [...document.querySelectorAll("input[name=batch-pick]:checked")].map((box) => box.value);
    if (!body.customerIds.length) return say("Pick at least one customer, or choose all.");
  }
  try {
    const { data } = await call("POST", "/batches", { body });
    say(`Batch ${data.batchId} started.`);
    location.hash = `#/batches/${encodeURIComponent(data.batchId)}`;
  } catch (error) {
    say(`The batch did not start: ${error.message}`);
  }
}

/** Show a batch, and keep showing it until it is over and its outputs are made. */
export async function watchBatch(batchId) {
  showView("batch-view");
  byId("batch-heading").textContent = `Batch ${batchId}`;
  fill(byId("batch-failures"));
  fill(byId("batch-outputs"));
  const mine = Symbol(batchId);
  watching = mine;
  let overFor = 0; // polls since the batch was over, waiting for its outputs
  while (watching === mine) {
    try {
      const batch = (await call("GET", `/batches/${seg(batchId)}`)).data;
      if (watching !== mine) return;
      show(batch);
      if (batch.failed) await failures(batchId);
      overFor = OVER.includes(batch.status) ? overFor + 1 : 0;
      if (overFor && (outputsDone(batch) || overFor > OUTPUT_POLLS)) return say(`Batch ${batch.status}.`);
    } catch (error) {
      return say(`Could not read the batch: ${error.message}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

export const stopWatching = () => {
  watching = null;
};

/** Outputs are made after the last letter; a batch that wrote none has none to wait for.
 *  One started elsewhere may have asked for none: OUTPUT_POLLS bounds the wait for it. */
const outputsDone = (batch) => batch.status === "cancelled" || batch.succeeded === 0 || batch.outputs.zip !== null;

function show(batch) {
  const facts = ["status", "docType", "format", "templateVersion", "total", "succeeded", "failed", "createdAt"];
  const value = (name) =>
    name === "docType"
      ? el("a", { href: `#/templates/${encodeURIComponent(batch.docType)}` }, batch.docType)
      : String(batch[name] ?? "—");
  fill(byId("batch-facts"), ...facts.flatMap((name) => [el("dt", {}, name), el("dd", {}, value(name))]));
  const progress = byId("batch-progress");
  progress.max = batch.total || 1;
  progress.value = batch.succeeded + batch.failed;
  progress.textContent = `${progress.value} of ${batch.total ?? "?"}`;
  byId("cancel-batch").hidden = OVER.includes(batch.status);
  const links = Object.entries(batch.outputs ?? {})
    .filter(([, output]) => output)
    .map(([name, output]) => el("a", { href: output.url, target: "_blank", rel: "noopener" }, `Download the ${name.toUpperCase()}`));
  fill(byId("batch-outputs"), ...links.flatMap((link) => [link, " "]));
}

async function failures(batchId) {
  const items = await everything(`/batches/${seg(batchId)}/items?status=failed`, 200);
  const rows = items.map((item) =>
    el("tr", {}, el("th", { scope: "row" }, item.customerId), el("td", {}, item.error?.Message ?? "")),
  );
  fill(byId("batch-failures"), ...rows);
}

export async function cancelBatch(batchId) {
  try {
    await call("POST", `/batches/${seg(batchId)}/cancel`);
    say("Cancelling: letters not yet written will not be.");
  } catch (error) {
    say(`Could not cancel: ${error.message}`);
  }
}
