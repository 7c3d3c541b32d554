// versions.js: a template's versions (newest first) and a line diff between any two.

import { call, everything, seg } from "./api.js";
import { lineDiff, showDiff } from "./diff.js";
import { byId, fill, options, say } from "./dom.js";

/** Offer the versions of ``docType`` to compare: the newest against the one before it. */
export async function loadVersions(docType) {
  fill(byId("version-diff"));
  for (const id of ["version-a", "version-b"]) options(byId(id), []);
  if (!docType) return;
  try {
    const versions = await everything(`/templates/${seg(docType)}/versions`);
    const pairs = versions.map((v) => [String(v.version), `${v.version} (${v.updatedAt ?? "no date"})`]);
    options(byId("version-a"), pairs);
    options(byId("version-b"), pairs);
    if (pairs.length > 1) byId("version-a").value = pairs[1][0];
  } catch (error) {
    say(`Could not list the versions: ${error.message}`);
  }
}

/** Show how the text changed from the first chosen version to the second. */
export async function compare(docType) {
  const [a, b] = [byId("version-a").value, byId("version-b").value];
  if (!a || !b) return say("Pick two versions to compare.");
  try {
    const [before, after] = await Promise.all(
      [a, b].map((version) => call("GET", `/templates/${seg(docType)}/versions/${seg(version)}`)),
    );
    showDiff(byId("version-diff"), lineDiff(before.data.text, after.data.text));
    say(`Version ${a} against version ${b}.`);
  } catch (error) {
    say(`Could not compare: ${error.message}`);
  }
}
