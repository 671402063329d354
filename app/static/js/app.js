// Small enhancements only: every page works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
  // Move focus to the first field in error, so that keyboard and screen-reader users land on it.
  const firstInvalid = document.querySelector("[aria-invalid='true']");
  if (firstInvalid) {
    firstInvalid.focus();
  }
});

// A table wider than the screen scrolls inside its .table-wrap: that box must take the keyboard focus (to scroll
// with the arrow keys) and be named for screen readers, after the table's caption or else the page's heading.
function makeWideTablesScrollable() {
  for (const wrap of document.querySelectorAll(".table-wrap")) {
    if (wrap.scrollWidth > wrap.clientWidth) {
      const title = wrap.querySelector("caption") || document.querySelector("main h1");
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", title ? title.textContent.trim() : document.title);
    }
  }
}
document.addEventListener("DOMContentLoaded", makeWideTablesScrollable);
window.addEventListener("resize", makeWideTablesScrollable);

// --- Taking a test -------------------------------------------------------------------------------------
// A countdown from the server's seconds that a screen reader hears only at a few moments or when asked, and
// answers saved as they are given, kept on this device while they cannot be sent. Every text comes from the
// page (data-* attributes, in its language). Without JavaScript, each page submit saves the page instead.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-autosave]");
  const autosave = form ? setUpAutosave(form) : null;
  const timer = document.querySelector(".test-timer[data-seconds-left]");
  if (timer) {
    setUpTimer(timer, () => (autosave ? autosave.finish() : Promise.resolve()));
  }
});

function whenOnline(action) {
  if (navigator.onLine) {
    action();
  } else {
    window.addEventListener("online", action, { once: true });
  }
}

// "4 minutes and 30 seconds" in the page's language; digits ("4:30") where the browser lacks Intl units.
function spokenDuration(seconds, lang) {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  try {
    const unit = (value, name) =>
      new Intl.NumberFormat(lang, { style: "unit", unit: name, unitDisplay: "long" }).format(value);
    const parts = [];
    if (minutes > 0) parts.push(unit(minutes, "minute"));
    if (rest > 0 || minutes === 0) parts.push(unit(rest, "second"));
    return Intl.ListFormat ? new Intl.ListFormat(lang, { type: "unit", style: "long" }).format(parts) : parts.join(" ");
  } catch {
    return `${minutes}:${String(rest).padStart(2, "0")}`;
  }
}

function clockText(seconds) {
  const pad = (value) => String(value).padStart(2, "0");
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return hours > 0 ? `${hours}:${pad(minutes)}:${pad(seconds % 60)}` : `${pad(minutes)}:${pad(seconds % 60)}`;
}

// The moments still ahead at which the timer speaks: 5 minutes and 1 minute left, and half time unless it falls
// within a minute of one of those (short tests).
function announcementMoments(totalSeconds, secondsLeft) {
  const moments = [{ at: 300, half: false }, { at: 60, half: false }];
  const half = Math.floor(totalSeconds / 2);
  if (moments.every((moment) => Math.abs(moment.at - half) > 60)) {
    moments.push({ at: half, half: true });
  }
  return moments.filter((moment) => moment.at < secondsLeft).sort((a, b) => b.at - a.at);
}

function setUpTimer(box, onTimeUp) {
  const lang = document.documentElement.lang || "en";
  const secondsAtLoad = Number(box.dataset.secondsLeft);
  const clock = box.querySelector(".test-clock");
  const status = box.querySelector(".test-timer-status");
  const ask = box.querySelector(".test-time-left");
  if (!Number.isFinite(secondsAtLoad) || !clock || !status) {
    return;
  }
  // The wall clock, not a count of ticks: a background tab or a sleeping laptop skips ticks.
  const endsAt = Date.now() + secondsAtLoad * 1000;
  const left = () => Math.max(0, Math.ceil((endsAt - Date.now()) / 1000));
  const say = (text) => {
    // Emptied first, so that the same words asked for twice are spoken twice.
    status.textContent = "";
    window.setTimeout(() => {
      status.textContent = text;
    }, 100);
  };
  const timeLeftText = (seconds) => box.dataset.sayLeft.replace("{time}", spokenDuration(seconds, lang));
  const moments = announcementMoments(Number(box.dataset.totalSeconds), secondsAtLoad);
  let ticking = null;

  const speakMoments = (seconds) => {
    const passed = moments.filter((moment) => !moment.done && seconds <= moment.at);
    if (!passed.length) return;
    passed.forEach((moment) => {
      moment.done = true;
    });
    const latest = passed[passed.length - 1];
    // Late (a sleeping laptop): say the time actually left rather than the moment's round figure.
    const spoken = latest.at - seconds < 5 ? latest.at : seconds;
    const template = latest.half ? box.dataset.sayHalf : box.dataset.sayLeft;
    say(template.replace("{time}", spokenDuration(spoken, lang)));
  };
  const timeUp = () => {
    window.clearInterval(ticking);
    if (!navigator.onLine) say(box.dataset.sayOver);
    // The server submits the attempt with what it saved; the result page shows it.
    whenOnline(() => onTimeUp().finally(() => window.location.assign(box.dataset.resultUrl)));
  };
  const tick = () => {
    const seconds = left();
    clock.textContent = clockText(seconds);
    if (seconds === 0) {
      timeUp();
      return;
    }
    speakMoments(seconds);
  };

  clock.hidden = false;
  if (ask) {
    ask.hidden = false;
    ask.addEventListener("click", () => say(timeLeftText(left())));
  }
  ticking = window.setInterval(tick, 1000);
  tick();
}

function fieldValue(fieldset) {
  const text = fieldset.querySelector("input[type='text']");
  if (text) return text.value.trim();
  const boxes = Array.from(fieldset.querySelectorAll("input[type='checkbox']"));
  if (boxes.length) return boxes.filter((box) => box.checked).map((box) => box.value);
  const chosen = fieldset.querySelector("input[type='radio']:checked");
  return chosen ? chosen.value : "";
}

function showValue(fieldset, value) {
  const text = fieldset.querySelector("input[type='text']");
  if (text) {
    text.value = value;
    return;
  }
  const chosen = (Array.isArray(value) ? value : [value]).map(String);
  for (const input of fieldset.querySelectorAll("input[type='checkbox'], input[type='radio']")) {
    input.checked = chosen.includes(input.value);
  }
}

const sameValue = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// Answers waiting to be saved, kept in localStorage per attempt so that a reload or a crash sends them later.
// Every change re-reads the stored copy, because another tab of the same attempt writes it too.
function answerStore(key) {
  const read = () => {
    try {
      const data = JSON.parse(window.localStorage.getItem(key));
      return data && typeof data === "object" ? data : {};
    } catch {
      return {};
    }
  };
  const write = (data) => {
    try {
      if (Object.keys(data.answers || {}).length || data.gapStarted) {
        window.localStorage.setItem(key, JSON.stringify(data));
      } else {
        window.localStorage.removeItem(key);
      }
    } catch {
      // Private browsing or a full storage: the queue in memory still works while the page stays open.
    }
  };
  return {
    read,
    keep(item, entry) {
      const data = read();
      data.answers = { ...(data.answers || {}), [item]: entry };
      write(data);
    },
    drop(item, entry) {
      const data = read();
      const kept = data.answers && data.answers[item];
      if (kept && sameValue(kept.value, entry.value)) {
        delete data.answers[item];
        write(data);
      }
    },
    keepGap(started) {
      const data = read();
      if (started) data.gapStarted = started;
      else delete data.gapStarted;
      write(data);
    },
    clear() {
      write({});
    },
  };
}

const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30000;
const TYPING_PAUSE_MS = 800;

function setUpAutosave(form) {
  const url = form.dataset.autosave;
  const token = (form.querySelector("input[name='csrf_token']") || {}).value || "";
  const status = form.querySelector(".autosave-status");
  const store = answerStore(`caseinjob.autosave.${form.dataset.attempt}`);
  const shownAt = performance.now();
  const queue = new Map(); // item public id -> {value, elapsed}: the latest answer not saved yet
  const lastSaved = new Map(); // item public id -> the value the server holds, as JSON
  let gapStarted = null; // the time of the first failure since saving last worked, while it fails
  let sending = false;
  let stopped = false;
  let retryTimer = null;
  let retryDelay = RETRY_FIRST_MS;

  const show = (text) => {
    // Written only when it changes: the region speaks on "Not saved" and on "Saved" again, not on every save.
    if (status && text && status.textContent !== text) status.textContent = text;
  };
  const fieldsetOf = (item) => Array.from(form.querySelectorAll("[data-item]")).find((f) => f.dataset.item === item);

  const post = (item, entry) => {
    const sent = new Date().toISOString();
    const body = { item, value: entry.value, elapsed: entry.elapsed, sent };
    if (gapStarted) body.gap = { started: gapStarted, ended: sent, pending: queue.size };
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      redirect: "error", // a sign-in page is not a save
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body),
    });
  };
  const outcomeOf = async (response) => {
    if (response.ok) return { kind: "saved" };
    if (response.status === 409) return { kind: "closed" };
    if (response.status === 404) return { kind: "refused" }; // not a question of this attempt: retrying cannot help
    const isJson = (response.headers.get("Content-Type") || "").includes("application/json");
    if (isJson && response.status === 400) {
      const data = await response.json().catch(() => ({}));
      return { kind: "refused", message: data.error };
    }
    return { kind: "failed" }; // server error, rate limit, expired session or token: try again later
  };
  const reachedServer = () => {
    if (gapStarted) {
      gapStarted = null;
      store.keepGap(null);
    }
    retryDelay = RETRY_FIRST_MS;
  };
  const settle = (item, entry) => {
    if (queue.get(item) === entry) queue.delete(item);
    store.drop(item, entry);
  };
  const failed = () => {
    if (!gapStarted) {
      gapStarted = new Date().toISOString();
      store.keepGap(gapStarted);
    }
    show(status && status.dataset.textRetrying);
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(send, retryDelay);
    retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
  };

  async function send() {
    if (sending || stopped || queue.size === 0) return;
    window.clearTimeout(retryTimer);
    sending = true;
    const [item, entry] = queue.entries().next().value;
    let outcome;
    try {
      outcome = await outcomeOf(await post(item, entry));
    } catch {
      outcome = { kind: "failed" }; // offline, or the server unreachable
    }
    sending = false;
    if (stopped) return;
    if (outcome.kind === "failed") {
      failed();
      return;
    }
    reachedServer();
    if (outcome.kind === "closed") {
      // The deadline passed: the server submitted what it had. Nothing here can count any more.
      stopped = true;
      store.clear();
      window.location.assign(form.dataset.resultUrl);
      return;
    }
    settle(item, entry);
    if (outcome.kind === "saved") {
      lastSaved.set(item, JSON.stringify(entry.value));
      if (queue.size === 0) show(status && status.dataset.textSaved);
    } else {
      show(outcome.message); // not a valid answer: the page submit shows it next to the question too
    }
    send();
  }

  const answer = (fieldset) => {
    if (stopped) return;
    const item = fieldset.dataset.item;
    const value = fieldValue(fieldset);
    if (!queue.has(item) && lastSaved.get(item) === JSON.stringify(value)) return;
    const entry = { value, elapsed: Math.round((performance.now() - shownAt) / 100) / 10 };
    queue.set(item, entry);
    store.keep(item, entry);
    send();
  };

  // What the page shows came from the server. Answers kept from an earlier visit that the server lacks are
  // shown and sent again; those it already has are forgotten.
  const restore = () => {
    for (const fieldset of form.querySelectorAll("[data-item]")) {
      lastSaved.set(fieldset.dataset.item, JSON.stringify(fieldValue(fieldset)));
    }
    const data = store.read();
    for (const [item, entry] of Object.entries(data.answers || {})) {
      if (!entry || typeof entry !== "object") continue;
      const fieldset = fieldsetOf(item);
      if (fieldset && sameValue(fieldValue(fieldset), entry.value)) {
        store.drop(item, entry);
        continue;
      }
      if (fieldset) showValue(fieldset, entry.value);
      queue.set(item, entry);
    }
    gapStarted = queue.size && typeof data.gapStarted === "string" ? data.gapStarted : null;
    if (!gapStarted) store.keepGap(null);
  };

  let typing = null;
  form.addEventListener("input", (event) => {
    const fieldset = event.target.closest("[data-item]");
    if (!fieldset || event.target.type !== "text") return;
    window.clearTimeout(typing);
    typing = window.setTimeout(() => answer(fieldset), TYPING_PAUSE_MS);
  });
  form.addEventListener("change", (event) => {
    const fieldset = event.target.closest("[data-item]");
    if (fieldset) answer(fieldset);
  });
  window.addEventListener("online", () => {
    retryDelay = RETRY_FIRST_MS;
    send();
  });
  restore();
  send();

  return {
    // At the deadline: one last request, which the server refuses, still tells it how long answers waited.
    async finish() {
      stopped = true;
      window.clearTimeout(retryTimer);
      const waiting = queue.entries().next().value;
      if (waiting && gapStarted) {
        await post(waiting[0], waiting[1]).catch(() => null);
      }
      store.clear();
    },
  };
}

// --- Folded sections -------------------------------------------------------------------------------------
// A link (or a redirect after a form) to a section folded in a <details> opens it, and every folded section
// around it, so that the reader lands on what the link promised. Without JavaScript the sections open by hand.
function openFoldedTarget() {
  const id = decodeURIComponent(window.location.hash.slice(1));
  let node = id ? document.getElementById(id) : null;
  const target = node;
  while (node) {
    if (node.tagName === "DETAILS") {
      node.open = true;
    }
    node = node.parentElement;
  }
  if (target) {
    target.scrollIntoView();
  }
}
document.addEventListener("DOMContentLoaded", openFoldedTarget);
window.addEventListener("hashchange", openFoldedTarget);
