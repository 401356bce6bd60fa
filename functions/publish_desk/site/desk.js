// The agent desk: the queue, a case, the lead's view, on the agent API only (docs/desk.md). No framework and nothing
// fetched from elsewhere: every customer's word is put on the page as text (textContent), never as HTML.
import {Auth, SignInError} from "./auth.js";

const REFRESH_MS = 10_000; // the queue refreshes by itself this often
const SETTLE_MS = 10_000; // after an action, how long the page waits for the case to move on
const ACTIONS_BY_WAIT = {
  "acknowledge": ["acknowledge", "answer", "dismiss"],
  "customer-dm": ["dismiss"],
  "claim": ["claim", "dismiss"],
  "resolve": ["resolve", "dismiss"],
  "follow-up": ["follow-up", "dismiss"],
};
const DISMISS_REASONS = ["spam", "abusive", "baseless", "troll", "solved-elsewhere", "post-deleted", "duplicate",
                         "not-for-us"];
const FILTERS = [["waitingFor", "Waiting for"], ["team", "Team"], ["priority", "Priority"], ["platform", "Platform"]];

const main = document.getElementById("main");
const statusLine = document.getElementById("status");
const state = {cases: [], selected: 0, filters: {waitingFor: "", team: "", priority: "", platform: ""},
               updatedAt: null, view: null, current: null, refreshTimer: null};
let config, auth, me = null;

class SignedOut extends Error {}

// -- the page's building blocks ---------------------------------------------------------------------------------------
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "text") element.textContent = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) {
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return element;
}

function show(...children) {
  main.replaceChildren(...children);
}

function say(message, kind = "info") {
  statusLine.textContent = message;
  statusLine.className = `status ${kind}`;
}

function may(permission) {
  return Boolean(me && me.may.includes(permission));
}

// -- the API ------------------------------------------------------------------------------------------------------------
async function api(method, path, body) {
  const token = await auth.idToken();
  if (!token) {
    showSignIn("Your session ended: sign in again.");
    throw new SignedOut();
  }
  const headers = {Authorization: `Bearer ${token}`};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(config.apiUrl + path, {method, headers,
                                                  body: body === undefined ? undefined : JSON.stringify(body)});
  } catch (error) { // the network, or an answer the browser may not read (no CORS headers on it)
    throw new Error("the API could not be reached: check the network, or sign out and in again");
  }
  const data = await response.json().catch(() => ({}));
  if (response.status === 401) {
    auth.signOut();
    showSignIn("Your session ended: sign in again.");
    throw new SignedOut();
  }
  return {status: response.status, data};
}

// -- time -------------------------------------------------------------------------------------------------------------
function duration(ms) {
  const seconds = Math.floor(Math.abs(ms) / 1000);
  const [days, hours, minutes] = [Math.floor(seconds / 86400), Math.floor(seconds / 3600) % 24,
                                  Math.floor(seconds / 60) % 60];
  if (days) return `${days}d ${hours}h`;
  if (hours) return `${hours}h ${String(minutes).padStart(2, "0")}m`;
  return `${minutes}m ${String(seconds % 60).padStart(2, "0")}s`;
}

function countdown(deadline) {
  const span = h("span", {class: "due", "data-deadline": deadline || ""});
  paintCountdown(span);
  return span;
}

function paintCountdown(span) {
  const deadline = span.dataset.deadline;
  if (!deadline) {
    span.textContent = "—";
    return;
  }
  const left = Date.parse(deadline) - Date.now();
  span.textContent = left >= 0 ? `${duration(left)} left` : `${duration(left)} overdue`;
  span.classList.toggle("overdue", left < 0);
}

function clockTime(iso) {
  return iso ? new Date(iso).toLocaleString([], {dateStyle: "short", timeStyle: "medium"}) : "";
}

setInterval(() => document.querySelectorAll("[data-deadline]").forEach(paintCountdown), 1000);

// -- signing in -------------------------------------------------------------------------------------------------------
function showSignIn(message = "") {
  state.view = "sign-in";
  me = null;
  renderBar();
  const error = h("p", {class: "error", role: "alert", text: message});
  const form = h("form", {class: "sign-in", "aria-labelledby": "sign-in-title"},
    h("h1", {id: "sign-in-title", text: "Sign in"}),
    h("label", {}, "User name", h("input", {name: "user", autocomplete: "username", required: true,
                                             autofocus: true})),
    h("label", {}, "Password", h("input", {name: "password", type: "password", autocomplete: "current-password",
                                           required: true})),
    error, h("button", {type: "submit", class: "primary", text: "Sign in"}));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      const next = await auth.signIn(form.user.value.trim(), form.password.value);
      if (next === "new-password") showNewPassword();
      else await start();
    } catch (failure) {
      error.textContent = failure instanceof SignInError ? failure.message : `Sign-in failed: ${failure.message}`;
    }
  });
  show(form);
  form.user.focus();
}

function showNewPassword() {
  const error = h("p", {class: "error", role: "alert"});
  const form = h("form", {class: "sign-in", "aria-labelledby": "new-password-title"},
    h("h1", {id: "new-password-title", text: "Choose your password"}),
    h("p", {text: "This is your first sign-in: choose your own password (12 characters or more, with upper and " +
                   "lower case and a digit)."}),
    h("label", {}, "New password", h("input", {name: "first", type: "password", autocomplete: "new-password",
                                               required: true})),
    h("label", {}, "Again", h("input", {name: "again", type: "password", autocomplete: "new-password",
                                        required: true})),
    error, h("button", {type: "submit", class: "primary", text: "Set password and sign in"}));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.first.value !== form.again.value) {
      error.textContent = "The two passwords differ.";
      return;
    }
    try {
      await auth.chooseNewPassword(form.first.value);
      await start();
    } catch (failure) {
      error.textContent = failure.message;
    }
  });
  show(form);
  form.first.focus();
}

async function start() {
  me = (await api("GET", "/me")).data;
  renderBar();
  if (!me.groups.length) say("You are in none of the care team's groups: ask a lead to add you.", "error");
  await route();
}

function renderBar() {
  const nav = document.getElementById("nav");
  const who = document.getElementById("who");
  if (!me) {
    nav.replaceChildren();
    who.replaceChildren();
    return;
  }
  const links = [h("a", {href: "#/", "aria-current": state.view === "queue" ? "page" : null, text: "Queue"})];
  if (may("read-report") || may("manage-incidents")) {
    links.push(h("a", {href: "#/lead", "aria-current": state.view === "lead" ? "page" : null, text: "Lead"}));
  }
  nav.replaceChildren(...links);
  who.replaceChildren(`${me.user} (${me.groups.join(", ") || "no group"})`,
    h("button", {type: "button", class: "link", text: "Sign out", onclick: () => {
      auth.signOut();
      location.hash = "#/";
      showSignIn();
    }}));
}

// -- routing ----------------------------------------------------------------------------------------------------------
async function route() {
  if (!auth) return; // still starting: boot() routes once the config is read
  clearTimeout(state.refreshTimer);
  if (!auth.session) return showSignIn();
  const hash = location.hash || "#/";
  try {
    if (hash.startsWith("#/case/")) await showCase(decodeURIComponent(hash.slice("#/case/".length)));
    else if (hash === "#/lead") await showLead();
    else await showQueue();
  } catch (error) {
    if (!(error instanceof SignedOut)) say(`Something went wrong: ${error.message}`, "error");
  }
}

window.addEventListener("hashchange", route);

// -- the queue --------------------------------------------------------------------------------------------------------
async function refreshQueue() {
  const {status, data} = await api("GET", "/cases?limit=500");
  if (status !== 200) {
    say(`The queue could not be read: ${data.message || status}`, "error");
    return;
  }
  state.cases = data.cases; // nearest deadline first, as the API lists them
  state.updatedAt = new Date();
}

async function showQueue() {
  state.view = "queue";
  clearTimeout(state.refreshTimer);
  renderBar();
  await refreshQueue();
  renderQueue();
  state.refreshTimer = setInterval(async () => {
    if (state.view !== "queue") return;
    const selectedId = (visibleCases()[state.selected] || {}).caseId;
    await refreshQueue().catch(() => {});
    const again = visibleCases().findIndex((c) => c.caseId === selectedId);
    state.selected = again >= 0 ? again : Math.min(state.selected, Math.max(visibleCases().length - 1, 0));
    renderQueue();
  }, REFRESH_MS);
}

function visibleCases() {
  return state.cases.filter((c) => FILTERS.every(([key]) => !state.filters[key] || c[key] === state.filters[key]));
}

function renderQueue() {
  const cases = visibleCases();
  state.selected = Math.min(state.selected, Math.max(cases.length - 1, 0));
  const filters = h("form", {class: "filters", "aria-label": "Filters"},
    FILTERS.map(([key, label]) => {
      const values = [...new Set(state.cases.map((c) => c[key]).filter(Boolean))].sort();
      if (state.filters[key] && !values.includes(state.filters[key])) values.push(state.filters[key]);
      const select = h("select", {name: key, onchange: (event) => {
        state.filters[key] = event.target.value;
        state.selected = 0;
        renderQueue();
      }}, h("option", {value: "", text: "all"}),
        values.map((value) => h("option", {value, selected: value === state.filters[key], text: value})));
      return h("label", {}, label, select);
    }));
  const updated = state.updatedAt ? state.updatedAt.toLocaleTimeString() : "never";
  const rows = cases.map((c, index) => h("tr", {
    class: index === state.selected ? "selected" : null, "aria-selected": index === state.selected ? "true" : "false",
    "data-case": c.caseId, onclick: () => openCase(c.caseId)},
    h("td", {}, countdown(c.deadline)),
    h("td", {"data-label": "waiting for", text: c.waitingFor || "(moving on)"}),
    h("td", {"data-label": "level", class: c.hardLimitReached ? "overdue" : null,
             text: c.escalationLevel ? `L${c.escalationLevel}${c.hardLimitReached ? " hard limit" : ""}` : "—"}),
    h("td", {}, h("span", {class: `priority priority-${c.priority}`, text: c.priority})),
    h("td", {"data-label": "on", text: c.platform}),
    h("td", {"data-label": "team", text: c.team || "—"}),
    h("td", {}, h("a", {href: `#/case/${encodeURIComponent(c.caseId)}`, text: c.author || c.caseId})),
    h("td", {class: "said", text: c.text || (c.visibility === "private" ? "(wrote privately)" : "")}),
    h("td", {}, flags(c))));
  show(
    h("div", {class: "queue-head"},
      h("h1", {text: `Queue: ${cases.length} open case${cases.length === 1 ? "" : "s"}`}),
      h("p", {class: "updated", text: `Updated ${updated}, every ${REFRESH_MS / 1000} s`})),
    filters,
    cases.length ? h("table", {class: "queue"},
      h("thead", {}, h("tr", {}, ["Due", "Waiting for", "Level", "Priority", "Platform", "Team", "Author",
                                  "What they said", "Flags"].map((name) => h("th", {scope: "col", text: name})))),
      h("tbody", {}, rows)) : h("p", {class: "empty", text: "Nothing waits: no open case matches."}));
  const selectedRow = main.querySelector("tr.selected");
  if (selectedRow) selectedRow.scrollIntoView({block: "nearest"});
}

function flags(c) {
  const found = [];
  if (c.flagged) found.push(h("span", {class: "flag", title: "flagged author", text: `flagged: ${c.flagged}`}));
  if (c.incident) found.push(h("span", {class: "flag incident", text: `incident ${c.incident}`}));
  if (c.visibility === "private") found.push(h("span", {class: "flag", text: "private"}));
  if (c.reopensCase) found.push(h("span", {class: "flag", text: `reopens ${c.reopensCase}`}));
  return found;
}

function openCase(caseId) {
  location.hash = `#/case/${encodeURIComponent(caseId)}`;
}

function moveSelection(step) {
  const cases = visibleCases();
  if (state.view === "queue") {
    state.selected = Math.max(0, Math.min(cases.length - 1, state.selected + step));
    renderQueue();
  } else if (state.view === "case") {
    const index = cases.findIndex((c) => c.caseId === state.current.caseId);
    const next = cases[index + step];
    if (index >= 0 && next) {
      state.selected = index + step;
      openCase(next.caseId);
    }
  }
}

// -- a case -----------------------------------------------------------------------------------------------------------
async function showCase(caseId) {
  state.view = "case";
  renderBar();
  const {status, data} = await api("GET", `/cases/${encodeURIComponent(caseId)}`);
  if (status !== 200) {
    show(h("p", {class: "error", text: status === 404 ? `No case ${caseId}.` : data.message}),
         h("p", {}, h("a", {href: "#/", text: "Back to the queue"})));
    return;
  }
  let thread = null;
  if (may("read-private-messages")) {
    const answer = await api("GET", `/cases/${encodeURIComponent(caseId)}/private-messages`);
    thread = answer.status === 200 ? answer.data : null;
  }
  state.current = data;
  renderCase(data, thread);
  if (data.status === "OPEN" && !data.waitingFor) {  // between two steps: look again shortly
    state.refreshTimer = setTimeout(() => state.view === "case" && showCase(caseId).catch(() => {}), 2000);
  }
}

function renderCase(c, thread) {
  const said = c.timeline.filter((e) => e.event === "case opened" || e.event === "mention attached");
  const posted = c.timeline.filter((e) => e.event === "posted publicly");
  show(
    h("p", {class: "crumbs"}, h("a", {href: "#/", text: "← Queue"}), ` (Esc) · ${c.caseId}`),
    h("div", {class: "case"},
      h("section", {class: "story", "aria-label": "The case"},
        h("h1", {text: `${c.author || "someone"} on ${c.platform}`}),
        h("p", {class: "facts"},
          h("span", {text: c.status === "OPEN" ? `waiting for ${c.waitingFor || "the next step"}` : c.status}),
          c.status === "OPEN" && c.waitingFor ? countdown(c.deadline) : null,
          c.escalationLevel ? h("span", {class: "overdue", text: `escalation level ${c.escalationLevel}` +
                                                                  (c.hardLimitReached ? " (hard limit)" : "")}) : null,
          h("span", {class: `priority priority-${c.priority}`, text: c.priority}),
          h("span", {text: `team ${c.team || "—"}`}), h("span", {text: c.intent}), flags(c)),
        c.flag ? flagPanel(c) : null,
        h("h2", {text: "What the customer said"}),
        said.length ? h("ul", {class: "said-list"}, said.map((e) => h("li", {},
          h("time", {datetime: e.at, text: clockTime(e.at)}), " ",
          e.private ? h("em", {text: "wrote privately"}) : h("q", {text: e.text || ""}), " ",
          e.url ? h("a", {href: e.url, target: "_blank", rel: "noopener noreferrer", text: "open on " + c.platform})
                : null))) : h("p", {class: "empty", text: "Nothing public."}),
        h("h2", {text: "What we posted"}),
        posted.length ? h("ul", {class: "said-list"}, posted.map((e) => h("li", {},
          h("time", {datetime: e.at, text: clockTime(e.at)}), ` [${e.kind}] `, h("q", {text: e.text || ""}))))
          : h("p", {class: "empty", text: "Nothing posted yet."}),
        thread ? privateThread(thread) : null,
        h("h2", {text: "Timeline"}),
        h("ol", {class: "timeline"}, c.timeline.map((e) => h("li", {},
          h("time", {datetime: e.at, text: clockTime(e.at)}), " ", describe(e))))),
      h("aside", {class: "side"},
        actionPanel(c),
        h("h2", {text: "Earlier cases"}),
        c.earlierCases.length ? h("ul", {}, c.earlierCases.map((e) => h("li", {},
          h("a", {href: `#/case/${encodeURIComponent(e.caseId)}`, text: e.caseId}),
          ` ${e.status}${e.closedReason ? `, ${e.closedReason}` : ""}`)))
          : h("p", {class: "empty", text: "None: their first case."}))));
}

function privateThread(thread) {
  return [h("h2", {text: "Private thread (triage and leads only)"}),
          thread.privateMessages.length ? h("ul", {class: "said-list private"}, thread.privateMessages.map((m) =>
            h("li", {}, h("time", {datetime: m.at || "", text: clockTime(m.at)}), " ", h("q", {text: m.text}))))
            : h("p", {class: "empty", text: "No private message."})];
}

function flagPanel(c) {
  const panel = h("div", {class: "flag-panel"},
    h("p", {}, h("strong", {text: "Flagged author: "}), c.flag.reason),
    h("ul", {}, c.flag.dismissedCases.map((d) => h("li", {text: `${d.caseId}: dismissed as ${d.reason}`}))));
  if (may("clear-flag") && c.authorId) {  // a lead who judges the flag wrong clears it, with why (audited)
    const reason = h("input", {id: "clear-reason", required: true, maxlength: 500});
    const form = h("form", {class: "inline"}, h("label", {for: "clear-reason", text: "Clear the flag, because"}),
                   reason, h("button", {type: "submit", text: "Clear flag"}));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const path = `/authors/${encodeURIComponent(c.platform)}/${encodeURIComponent(c.authorId)}/flag-clearance`;
      const {status, data} = await api("POST", path, {reason: reason.value});
      say(status === 200 ? `The flag on ${c.author} is cleared.` : `Not cleared: ${data.message || status}`,
          status === 200 ? "ok" : "error");
      if (status === 200) await showCase(c.caseId);
    });
    panel.append(form);
  }
  return panel;
}

// One line per timeline entry, as the CLI prints it (local/cli.py describe).
function describe(e) {
  const by = (e.by || "").split("/").pop();
  switch (e.event) {
    case "case opened": case "mention attached":
      return `${e.event}: ${e.author || ""} ${e.private ? "wrote privately" : `said "${e.text || ""}"`}`;
    case "step": return `entered ${e.step} (due ${clockTime(e.deadline)})`;
    case "notified": return `${e.team} team told (${e.step})`;
    case "escalated": return `escalated to level ${e.level} (${e.step})`;
    case "hard-limit": return `HARD LIMIT: level ${e.level} told again (${e.step})`;
    case "breach warning": return `deadline soon: whoever must act was warned (${e.step})`;
    case "posted publicly": case "sent privately": return `${e.event} [${e.kind}]${e.text ? `: "${e.text}"` : ""}`;
    case "priority raised": return `priority raised to ${e.priority}${e.why ? `: ${e.why}` : ""}`;
    case "customer DM received": return "the customer's DM came (kept private)";
    case "closed": return `closed: ${e.reason}`;
    case "grouped in an incident": return `grouped in the ${e.topic} incident ${e.incident}`;
    default: {
      if (e.by) {
        const words = e.replyText || e.publicNote || e.reason || e.owner || "";
        return `${by}: ${e.event}${e.held ? " (held while the clock restarted)" : ""}${words ? ` "${words}"` : ""}`;
      }
      const details = Object.entries(e).filter(([k]) => k !== "at" && k !== "event").map(([k, v]) => `${k} ${v}`);
      return `${e.event}${details.length ? ` (${details.join(", ")})` : ""}`;
    }
  }
}

// -- acting -----------------------------------------------------------------------------------------------------------
function actionPanel(c) {
  const allowed = (ACTIONS_BY_WAIT[c.waitingFor] || []).filter((action) => may(action));
  const panel = h("section", {class: "act", "aria-label": "Act"}, h("h2", {text: "Act"}));
  const nothing = c.status !== "OPEN" ? `This case is ${c.status.toLowerCase()}.`
    : !c.waitingFor ? "Between two steps: nothing to do yet."
    : !allowed.length ? `It waits for ${c.waitingFor}, which your group does not do.` : null;
  if (nothing) {
    panel.append(h("p", {text: nothing}));
    return panel;
  }
  const private_ = c.visibility === "private";
  if (allowed.includes("acknowledge") || allowed.includes("answer")) {
    const text = h("textarea", {id: "reply", name: "replyText", rows: 5, "aria-describedby": "reply-refusal"});
    text.value = c.draftReply || "";
    const form = h("form", {class: "action", "data-action": allowed.includes("acknowledge") ? "acknowledge" : "answer"},
      h("label", {for: "reply", text: private_ ? "Reply (sent by DM)" : "Reply (posted in public)"}), text,
      h("div", {id: "reply-refusal", class: "refusal", role: "alert"}),
      h("div", {class: "buttons"},
        allowed.includes("acknowledge") ? h("button", {type: "submit", name: "acknowledge", class: "primary",
                                                        text: "Acknowledge (a)"}) : null,
        allowed.includes("answer") ? h("button", {type: "submit", name: "answer",
                                                   text: "Answer and close (p)"}) : null));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const action = (event.submitter && event.submitter.name) || form.dataset.action;
      act(c, action, {replyText: text.value}, text, form.querySelector(".refusal"));
    });
    panel.append(form);
  }
  if (allowed.includes("claim")) {
    const owner = h("input", {id: "owner", name: "owner", value: me.user});
    const form = h("form", {class: "action", "data-action": "claim"},
      h("label", {for: "owner", text: "Owner"}), owner,
      h("div", {class: "buttons"}, h("button", {type: "submit", class: "primary", text: "Claim (c)"})));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      act(c, "claim", {owner: owner.value});
    });
    panel.append(form);
  }
  if (allowed.includes("resolve")) {
    const summary = h("textarea", {id: "summary", rows: 3});
    const note = h("textarea", {id: "public-note", rows: 3, "aria-describedby": "note-refusal"});
    const form = h("form", {class: "action", "data-action": "resolve"},
      h("label", {for: "summary", text: "What was done (internal)"}), summary,
      h("label", {for: "public-note", text: private_ ? "For the customer (by DM)" : "For the customer (in public)"}),
      note, h("div", {id: "note-refusal", class: "refusal", role: "alert"}),
      h("div", {class: "buttons"}, h("button", {type: "submit", class: "primary", text: "Resolve (s)"})));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      act(c, "resolve", {summary: summary.value, publicNote: note.value}, note, form.querySelector(".refusal"));
    });
    panel.append(form);
  }
  if (allowed.includes("follow-up")) {
    const text = h("textarea", {id: "follow-up-text", rows: 4, "aria-describedby": "follow-up-refusal"});
    text.value = c.followUpDraft || c.publicNote || "";
    const form = h("form", {class: "action", "data-action": "follow-up"},
      h("label", {for: "follow-up-text", text: "Follow-up"}), text,
      h("div", {id: "follow-up-refusal", class: "refusal", role: "alert"}),
      h("div", {class: "buttons"}, h("button", {type: "submit", class: "primary", text: "Follow up and close (f)"})));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      act(c, "follow-up", text.value.trim() ? {replyText: text.value} : {}, text, form.querySelector(".refusal"));
    });
    panel.append(form);
  }
  if (allowed.includes("dismiss")) {
    const reason = h("select", {id: "dismiss-reason"}, h("option", {value: "", text: "choose a reason"}),
                     DISMISS_REASONS.map((value) => h("option", {value, text: value})));
    const form = h("form", {class: "action", "data-action": "dismiss"},
      h("label", {for: "dismiss-reason", text: "Dismiss as"}), reason,
      h("div", {class: "buttons"}, h("button", {type: "submit", text: "Dismiss (d)"})));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!reason.value) {
        say("Choose why it is dismissed.", "error");
        reason.focus();
        return;
      }
      act(c, "dismiss", {reason: reason.value});
    });
    panel.append(form);
  }
  return panel;
}

async function act(c, action, body, textBox = null, refusal = null) {
  if (refusal) refusal.replaceChildren();
  say(`Sending ${action}…`);
  const {status, data} = await api("POST", `/cases/${encodeURIComponent(c.caseId)}/${action}`, body);
  if (status === 200 || status === 202) {
    say(status === 202 ? data.message : `${action}: done. The case moves on.`, "ok");
    await settle(c);
  } else if (status === 422 && refusal) {
    say("Not sent: the guardrails refused the text. Change it and send again.", "error");
    showRefusal(refusal, textBox.value, data.rejections || []);
    textBox.focus();
  } else if (status === 409) {
    say(`Someone else acted on this case a moment ago, or its clock did: it no longer waits for ${action}. ` +
        "Here it is as it is now.", "error");
    await showCase(c.caseId);
  } else if (status === 403) {
    say(`You may not ${action}: ${data.message}`, "error");
  } else {
    say(`${action} was not taken: ${data.message || status}`, "error");
  }
}

// The rule and its words beside the text, the words marked where they are in it.
function showRefusal(refusal, text, rejections) {
  const marked = h("p", {class: "marked"});
  const words = rejections.flatMap((r) => (Array.isArray(r.words) ? r.words : [r.words]))
    .filter(Boolean).map((w) => w.toLowerCase());
  let rest = text;
  while (rest) {
    const lower = rest.toLowerCase();
    const hits = words.map((w) => [lower.indexOf(w), w]).filter(([at]) => at >= 0).sort((a, b) => a[0] - b[0]);
    if (!hits.length) {
      marked.append(rest);
      break;
    }
    const [at, word] = hits[0];
    marked.append(rest.slice(0, at), h("mark", {text: rest.slice(at, at + word.length)}));
    rest = rest.slice(at + word.length);
  }
  refusal.replaceChildren(
    h("h3", {text: "Not sent: the guardrails refused it"}),
    h("ul", {}, rejections.map((r) => h("li", {}, h("strong", {text: r.rule}), `: ${r.explanation}`,
      r.words ? [" (", h("mark", {text: Array.isArray(r.words) ? r.words.join(", ") : r.words}), ")"] : null))),
    marked);
}

// After an action, the case moves on in the state machine a moment later: show it once it has.
async function settle(c) {
  const until = Date.now() + SETTLE_MS;
  while (Date.now() < until) {
    const {status, data} = await api("GET", `/cases/${encodeURIComponent(c.caseId)}`);
    if (status === 200 && (data.status !== c.status || (data.waitingFor && data.waitingFor !== c.waitingFor))) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (state.view === "case" && state.current && state.current.caseId === c.caseId) await showCase(c.caseId);
}

// -- the lead's view --------------------------------------------------------------------------------------------------
async function showLead() {
  state.view = "lead";
  renderBar();
  const sections = [h("h1", {text: "Lead"})];
  const incidents = await api("GET", "/incidents?status=OPEN");
  sections.push(h("h2", {text: "Open incidents"}));
  const columns = ["Incident", "Topic", "Cases", "People", "Reach", "Opened", "Tiers told"];
  if (may("manage-incidents")) columns.push("Act");
  sections.push(incidents.status === 200 && incidents.data.incidents.length
    ? h("table", {class: "queue incidents"}, h("thead", {}, h("tr", {}, columns.map((t) => h("th", {text: t})))),
        h("tbody", {}, incidents.data.incidents.map((i) => h("tr", {},
          h("td", {text: i.incidentId}), h("td", {text: i.topic}), h("td", {text: i.caseCount}),
          h("td", {text: i.authors}), h("td", {text: i.reach}), h("td", {text: clockTime(i.openedAt)}),
          h("td", {text: i.levelTold ?? "—"}), may("manage-incidents") ? h("td", {}, incidentActions(i)) : null))))
    : h("p", {class: "empty", text: "No open incident."}));
  await refreshQueue();
  const flagged = state.cases.filter((c) => c.flagged);
  sections.push(h("h2", {text: "Flagged authors with an open case"}));
  sections.push(flagged.length ? h("ul", {}, flagged.map((c) => h("li", {},
    h("a", {href: `#/case/${encodeURIComponent(c.caseId)}`, text: `${c.author} (${c.platform})`}), `: ${c.flagged}`)))
    : h("p", {class: "empty", text: "None in the open queue."}));
  if (may("read-report")) {
    const report = await api("GET", "/reports/summary");
    if (report.status === 200) sections.push(reportSection(report.data));
  }
  show(...sections);
}

// A lead answers a pile-on: the drafted holding statement on the brand's channels or on every thread, then the
// outcome that closes the incident and drafts each case's follow-up (docs/api.md, pile-on incidents).
function incidentActions(incident) {
  const path = `/incidents/${encodeURIComponent(incident.incidentId)}`;
  const outcome = h("input", {name: "outcome", "aria-label": `Outcome of ${incident.incidentId}`,
                              placeholder: "the outcome, in public"});
  const send = async (action, body, done) => {
    const {status, data} = await api("POST", `${path}/${action}`, body);
    if (status === 200) say(done, "ok");
    else say(`${action} was not taken: ${data.message || status}` +
             (data.rejections ? ` (${data.rejections.map((r) => `${r.rule}: "${r.words}"`).join("; ")})` : ""),
             "error");
    if (status === 200) await showLead();
  };
  const statement = (target) => h("button", {type: "button", text: `Statement: ${target}`, onclick: () =>
    send("statement", {target}, `The holding statement went to ${target === "brand" ? "the brand's channels" :
                                                                  "every case's thread"}.`)});
  const resolve = h("form", {class: "inline"}, outcome, h("button", {type: "submit", text: "Resolve"}));
  resolve.addEventListener("submit", (event) => {
    event.preventDefault();
    send("resolve", {outcome: outcome.value}, `${incident.incidentId} resolved: each open case has its follow-up.`);
  });
  return h("div", {class: "buttons"}, statement("brand"), statement("replies"), resolve);
}

function percent(value) {
  return value === null || value === undefined ? "—" : `${Math.round(value * 100)} %`;
}

function reportSection(r) {
  const first = r.firstResponse;
  return h("section", {class: "report", "aria-label": "Report"},
    h("h2", {text: `The last ${r.period.days} days (${r.period.from} to ${r.period.to})`}),
    h("dl", {class: "figures"},
      h("div", {}, h("dt", {text: "Opened"}), h("dd", {text: r.cases.opened})),
      h("div", {}, h("dt", {text: "Closed"}), h("dd", {text: r.cases.closed})),
      h("div", {}, h("dt", {text: "Dismissed"}), h("dd", {text: r.cases.dismissed})),
      h("div", {}, h("dt", {text: "Acknowledged within SLA"}), h("dd", {text: percent(first.slaAttainment)})),
      h("div", {}, h("dt", {text: "First response p50 / p90"}),
        h("dd", {text: first.p50Minutes === null ? "—" : `${first.p50Minutes} / ${first.p90Minutes} min`})),
      h("div", {}, h("dt", {text: "Hard limits"}), h("dd", {text: r.escalations.hardLimits}))),
    (r.highlights || []).length ? h("ul", {class: "highlights"}, r.highlights.map((line) => h("li", {text: line})))
      : null,
    h("h3", {text: "Cases opened each day"}),
    barChart((r.daily || []).map((d) => [d.day.slice(5), d.opened])),
    h("h3", {text: "Cases by platform"}),
    barChart(Object.entries(r.byPlatform || {}).map(([name, group]) => [name, group.count])));
}

// A bar chart in SVG, drawn here (no chart library): one labelled bar per [label, value].
function barChart(pairs) {
  const svg = "http://www.w3.org/2000/svg";
  const node = (tag, attributes, text) => {
    const element = document.createElementNS(svg, tag);
    for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
    if (text !== undefined) element.textContent = text;
    return element;
  };
  if (!pairs.length) return h("p", {class: "empty", text: "No cases in the period."});
  const highest = Math.max(1, ...pairs.map(([, value]) => value));
  const [barWidth, gap, height, top] = [48, 16, 160, 20]; // top: room for the tallest bar's number
  const chart = node("svg", {viewBox: `0 ${-top} ${pairs.length * (barWidth + gap)} ${height + top + 40}`, role: "img",
                             class: "chart", "aria-label": pairs.map(([l, v]) => `${l}: ${v}`).join(", ")});
  pairs.forEach(([label, value], index) => {
    const x = index * (barWidth + gap);
    const barHeight = Math.round((value / highest) * height);
    chart.append(node("rect", {x, y: height - barHeight, width: barWidth, height: barHeight, class: "bar"}),
                 node("text", {x: x + barWidth / 2, y: height - barHeight - 4, "text-anchor": "middle"}, value),
                 node("text", {x: x + barWidth / 2, y: height + 20, "text-anchor": "middle"}, label));
  });
  return chart;
}

// -- the keyboard -----------------------------------------------------------------------------------------------------
const FOCUS_FOR_KEY = {a: ["#reply", "acknowledge"], p: ["#reply", "answer"], c: ["#owner", "claim"],
                       s: ["#summary", "resolve"], f: ["#follow-up-text", "follow-up"], d: ["#dismiss-reason", "dismiss"]};

document.addEventListener("keydown", (event) => {
  const inField = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && inField) {
    const form = document.activeElement.form;
    if (form) form.requestSubmit(form.querySelector("button.primary") || undefined);
    event.preventDefault();
    return;
  }
  if (event.key === "Escape") {
    if (inField) document.activeElement.blur();
    else if (state.view !== "queue" && me) location.hash = "#/";
    return;
  }
  if (inField || event.ctrlKey || event.metaKey || event.altKey || !me) return;
  const key = event.key;
  if (key === "j" || key === "k") moveSelection(key === "j" ? 1 : -1);
  else if (key === "Enter" && state.view === "queue") {
    const c = visibleCases()[state.selected];
    if (c) openCase(c.caseId);
  } else if (key === "r") route();
  else if (key === "q") location.hash = "#/";
  else if (key === "l" && (may("read-report") || may("manage-incidents"))) location.hash = "#/lead";
  else if (key === "/" && state.view === "queue") main.querySelector(".filters select").focus();
  else if (key === "?") document.getElementById("help").showModal();
  else if (FOCUS_FOR_KEY[key] && state.view === "case") {
    const [selector, action] = FOCUS_FOR_KEY[key];
    const field = main.querySelector(selector);
    if (!field) return;
    if (field.form && (action === "acknowledge" || action === "answer")) field.form.dataset.action = action;
    const primary = field.form && field.form.querySelector(`button[name="${action}"]`);
    if (primary) {
      field.form.querySelectorAll("button").forEach((b) => b.classList.toggle("primary", b === primary));
    }
    field.focus();
  } else return;
  event.preventDefault();
});

// -- start ------------------------------------------------------------------------------------------------------------
async function boot() {
  config = await (await fetch("config.json", {cache: "no-store"})).json();
  auth = new Auth(config);
  if (auth.session) {
    try {
      await start();
    } catch (error) {
      if (!(error instanceof SignedOut)) showSignIn(error.message);
    }
  } else {
    showSignIn();
  }
}

boot();
