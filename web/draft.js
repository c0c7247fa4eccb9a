// draft.js: the banner that says an app has undeployed changes, and the
// review dialog that shows the draft's diff and deploys it.
import { ApiError, appPath, call } from "./api.js";
import { confirmDialog, openDialog } from "./dialog.js";
import { h, replace, statusLine } from "./dom.js";

const POLL_MS = 500;
const POLL_LIMIT = 120; // a minute

/** The app's open draft, or null. */
export async function currentDraft(appId) {
  const drafts = await call("GET", appPath(appId, "/drafts"));
  return Array.isArray(drafts) && drafts.length > 0 ? drafts[0] : null;
}

/**
 * Makes a change the way App Services' UI saves one: into the app's draft,
 * opening one first, unless the app has drafts disabled (then the change
 * deploys at once). `apply()` makes the change with Admin API calls. When
 * it fails, the draft this Save opened is discarded again and the error is
 * thrown on. Returns {result: what apply returned, deployed}.
 */
export async function saveThroughDraft(appId, apply) {
  const deployConfig = await call("GET", appPath(appId, "/deploy/config"));
  const draftsDisabled = Boolean(deployConfig && deployConfig.ui_drafts_disabled);
  let opened = null;
  if (!draftsDisabled && !(await currentDraft(appId))) {
    try {
      opened = await call("POST", appPath(appId, "/drafts"));
    } catch (err) {
      if (!(err instanceof ApiError && err.code === "DraftAlreadyExists")) throw err;
    }
  }
  try {
    return { result: await apply(), deployed: draftsDisabled };
  } catch (err) {
    if (opened) await call("DELETE", appPath(appId, `/drafts/${encodeURIComponent(opened._id)}`)).catch(() => {});
    throw err;
  }
}

/** The words a page shows after a Save: deployed at once, or in the draft. */
export function savedText(deployed) {
  return deployed
    ? "Saved and deployed: drafts are disabled for this app, so clients see the change now."
    : "Saved to the draft. Clients see the change after you review and deploy it.";
}

/**
 * Fills `slot` with the banner when the app has a draft (empties it when not).
 * `onChange` runs after a deployment or a discard.
 */
export async function renderDraftBanner(slot, app, onChange) {
  let draft;
  try {
    draft = await currentDraft(app._id);
  } catch (err) {
    replace(slot, statusLine(`Could not check for undeployed changes: ${err.message}`, "error"));
    return;
  }
  if (!draft) {
    replace(slot);
    return;
  }
  const review = h("button", { type: "button", class: "button primary" }, "Review & Deploy Changes");
  const discard = h("button", { type: "button", class: "button" }, "Discard");
  review.addEventListener("click", () => openReview(app, draft, onChange));
  discard.addEventListener("click", async () => {
    const ok = await confirmDialog({
      title: "Discard the draft?",
      message: `The undeployed changes to ${app.name} are lost. The deployed configuration stays as it is.`,
      confirmLabel: "Discard Draft",
    });
    if (!ok) return;
    try {
      await call("DELETE", appPath(app._id, `/drafts/${encodeURIComponent(draft._id)}`));
      onChange("Draft discarded.");
    } catch (err) {
      if (err instanceof ApiError) replace(slot, statusLine(`Could not discard the draft: ${err.message}`, "error"));
    }
  });
  replace(
    slot,
    h(
      "section",
      { class: "banner", "aria-label": "Undeployed changes" },
      h(
        "p",
        { class: "banner-text" },
        h("strong", {}, "This app has undeployed changes."),
        " Clients keep the deployed configuration until you deploy them.",
      ),
      h("div", { class: "banner-actions" }, discard, review),
    ),
  );
}

/** One file's unified diff as lines colored by kind, with the file's name. */
export function renderDiff(diffText) {
  const lines = diffText.replace(/\n$/, "").split("\n");
  let file = "";
  const body = [];
  for (const line of lines) {
    if (line.startsWith("+++ ")) {
      const name = line.slice(4).replace(/^b\//, "");
      if (name !== "/dev/null") file = name;
      continue;
    }
    if (line.startsWith("--- ")) {
      const name = line.slice(4).replace(/^a\//, "");
      if (!file && name !== "/dev/null") file = name;
      continue;
    }
    let kind = "context";
    if (line.startsWith("@@")) kind = "hunk";
    else if (line.startsWith("+")) kind = "added";
    else if (line.startsWith("-")) kind = "removed";
    body.push(h("span", { class: `diff-line diff-${kind}` }, line || " "));
  }
  return h(
    "section",
    { class: "diff-file" },
    h("h3", { class: "diff-name" }, file || "(unnamed file)"),
    h("pre", { class: "diff" }, h("code", {}, body)),
  );
}

async function waitForOutcome(appId, deployment) {
  let current = deployment;
  for (let i = 0; i < POLL_LIMIT && ["created", "pending"].includes(current.status); i += 1) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    current = await call("GET", appPath(appId, `/deployments/${encodeURIComponent(current._id)}`));
  }
  return current;
}

/** The review dialog: the draft's diff, Cancel and Deploy in the lower right. */
export function openReview(app, draft, onChange) {
  const cancel = h("button", { type: "button", class: "button" }, "Cancel");
  const deploy = h("button", { type: "button", class: "button primary", disabled: true }, "Deploy");
  const outcome = h("div", { class: "dialog-outcome" });
  let deployed = false;
  const d = openDialog({
    title: "Review Draft Changes",
    wide: true,
    body: [h("p", { class: "muted" }, "Loading the changes…"), outcome],
    actions: [cancel, deploy],
    onClose: () => {
      if (deployed) onChange();
    },
  });
  cancel.addEventListener("click", () => d.close());

  (async () => {
    try {
      const diff = await call("GET", appPath(app._id, `/drafts/${encodeURIComponent(draft._id)}/diff`));
      const diffs = (diff && diff.diffs) || [];
      replace(
        d.content,
        h(
          "p",
          {},
          diffs.length === 0
            ? "The draft has no changes compared with the deployed app. Deploying it records a deployment that changes nothing."
            : `Deploying applies these changes to ${app.name} at once, without a restart. Removed lines start with - (red), added lines with + (green).`,
        ),
        diffs.map(renderDiff),
        outcome,
      );
      deploy.disabled = false;
    } catch (err) {
      replace(d.content, statusLine(`Could not load the changes: ${err.message}`, "error"));
    }
  })();

  deploy.addEventListener("click", async () => {
    deploy.disabled = true;
    cancel.disabled = true;
    replace(outcome, statusLine("Deploying…"));
    try {
      const started = await call("POST", appPath(app._id, `/drafts/${encodeURIComponent(draft._id)}/deployment`), {});
      const done = await waitForOutcome(app._id, started);
      if (done.status === "successful") {
        deployed = true;
        replace(outcome, statusLine("Deployment successful. Clients see the new configuration now.", "success"));
      } else if (["created", "pending"].includes(done.status)) {
        replace(outcome, statusLine("The deployment is still running. Check the Deployment page for its outcome.", "info"));
        deployed = true;
      } else {
        replace(outcome, statusLine(`Deployment failed: ${done.status_error_message || "no reason was given"}. The draft is kept; nothing changed for clients.`, "error"));
      }
    } catch (err) {
      replace(outcome, statusLine(`Deployment failed: ${err.message}`, "error"));
    }
    const close = h("button", { type: "button", class: "button primary" }, "Close");
    close.addEventListener("click", () => d.close());
    replace(d.actions, close);
    close.focus();
  });
  return d;
}
