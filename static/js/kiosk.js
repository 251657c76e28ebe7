/* Kiosk tablet: the rating screens, the idle reset, and a queue that never loses a rating.
 *
 * Everything the page shows comes from the JSON block #kiosk-data (texts in every language),
 * so the page also works when reloaded from the service worker's cache while offline.
 * Each rating gets its uuid and is saved in localStorage BEFORE the first attempt to send
 * it; it leaves the queue only when the server acknowledges it (201, or 200 for a repeat),
 * or is set aside as refused when the server says it can never be accepted (other 4xx).
 * Network errors, 5xx and 429 are retried with exponential backoff and jitter, forever.
 */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("kiosk-data").textContent);
  var QUEUE_KEY = "hailong.kiosk.queue";
  var REFUSED_KEY = "hailong.kiosk.refused";
  var SVG = "http://www.w3.org/2000/svg";

  var screen = document.getElementById("screen");
  var status = document.getElementById("status");
  var countdown = document.getElementById("countdown");
  var state = null;
  var timers = { idle: null, tick: null, thanks: null };

  // ------------------------------------------------------------------ helpers

  function text(key, params) {
    var value = data.strings[state.language][key] || data.strings[data.defaultLanguage][key];
    return value.replace(/%\((\w+)\)s/g, function (whole, name) {
      return params && name in params ? String(params[name]) : whole;
    });
  }

  function local(texts) {
    return texts[state.language] || texts[data.defaultLanguage];
  }

  function element(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      if (name === "text") {
        node.textContent = attributes[name];
      } else {
        node.setAttribute(name, attributes[name]);
      }
    });
    (children || []).forEach(function (child) {
      if (child) node.appendChild(child);
    });
    return node;
  }

  function svgNode(tag, attributes) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attributes).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    return node;
  }

  var MOUTHS = {
    "very-happy": "M26 58 Q50 92 74 58 Z",
    happy: "M30 62 Q50 82 70 62",
    neutral: "M32 68 L68 68",
    unhappy: "M30 76 Q50 56 70 76"
  };

  function face(kind) {
    var svg = svgNode("svg", {
      viewBox: "0 0 100 100",
      class: "face",
      "aria-hidden": "true",
      focusable: "false"
    });
    svg.appendChild(svgNode("circle", { cx: 50, cy: 50, r: 45, class: "face-disc" }));
    svg.appendChild(svgNode("circle", { cx: 35, cy: 40, r: 6, class: "face-eye" }));
    svg.appendChild(svgNode("circle", { cx: 65, cy: 40, r: 6, class: "face-eye" }));
    svg.appendChild(svgNode("path", { d: MOUTHS[kind], class: "face-mouth" }));
    return svg;
  }

  function newUuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // Served over plain HTTP on a local network, randomUUID is missing; getRandomValues is not.
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (byte) {
      return (byte + 0x100).toString(16).slice(1);
    }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  // ------------------------------------------------------------------ the citizen's steps

  function steps() {
    var list = [];
    if (data.officials.length) list.push({ kind: "official" });
    data.items.forEach(function (item) {
      list.push({ kind: "item", item: item });
    });
    return list;
  }

  function requiredAnswered() {
    return data.items.every(function (item) {
      return !item.required || item.key in state.answers;
    });
  }

  function heading(label) {
    return element("h1", { id: "screen-title", tabindex: "-1", text: label });
  }

  function button(className, label, onPress, extra) {
    var node = element("button", Object.assign({ type: "button", class: className }, extra || {}));
    if (typeof label === "string") {
      node.textContent = label;
    } else {
      label.forEach(function (child) {
        node.appendChild(child);
      });
    }
    node.addEventListener("click", onPress);
    return node;
  }

  function officialScreen() {
    var grid = element("div", { class: "officials" });
    data.officials.forEach(function (official) {
      var portrait = official.photo
        ? element("img", { class: "portrait", src: official.photo, alt: "" })
        : element("span", { class: "portrait initials", "aria-hidden": "true", text: official.initials });
      grid.appendChild(
        button(
          "official",
          [
            portrait,
            element("span", { class: "name", text: official.name }),
            element("span", { class: "role", text: official.title })
          ],
          function () {
            state.official = official.code;
            advance();
          },
          { "data-official": official.code }
        )
      );
    });
    if (data.officials.length > 4) grid.classList.add("many");
    return [
      progress(),
      heading(text("whoServed")),
      element("p", { class: "hint", text: text("whoServedHint") }),
      grid,
      // Always in view, however many officials: a citizen who does not know never scrolls.
      element("div", { class: "actions pinned" }, [
        button("big secondary", text("skipOfficial"), function () {
          state.official = null;
          advance();
        })
      ])
    ];
  }

  function progress() {
    return element("p", {
      class: "progress",
      text: text("progress", { number: state.step + 1, total: steps().length })
    });
  }

  function backButton() {
    return button("big secondary back", text("back"), function () {
      state.step -= 1;
      render();
      restartIdle();
    });
  }

  function itemScreen(item) {
    var hasFaces = item.options.some(function (option) {
      return option.face;
    });
    var options = element("div", { class: hasFaces ? "options faces" : "options plain" });
    function choose(value) {
      return function () {
        state.answers[item.key] = value;
        advance();
      };
    }
    item.options.forEach(function (option) {
      var label = element("span", { class: "label", text: local(option.label) });
      var content = option.face ? [face(option.face), label] : [label];
      options.appendChild(
        button("option" + (option.face ? " face-" + option.face : ""), content, choose(option.value), {
          "data-value": String(option.value),
          "aria-pressed": String(state.answers[item.key] === option.value)
        })
      );
    });
    if (item.notApplicable) {
      options.appendChild(
        button("option na", [element("span", { class: "label", text: local(item.notApplicable) })], choose("na"), {
          "data-value": "na",
          "aria-pressed": String(state.answers[item.key] === "na")
        })
      );
    }
    var actions = element("div", { class: "actions" });
    // A mis-tap is corrected: back to the previous screen, its answer kept and shown.
    if (state.step > 0) actions.appendChild(backButton());
    if (!item.required) {
      actions.appendChild(
        button("big secondary", text("skip"), function () {
          delete state.answers[item.key];
          advance();
        })
      );
      if (requiredAnswered() && state.step < steps().length - 1) {
        actions.appendChild(button("big primary", text("finish"), finish));
      }
    }
    return [progress(), heading(local(item.text)), options, actions];
  }

  function thanksScreen() {
    var parts = [
      element("h1", { id: "screen-title", class: "thanks", tabindex: "-1", text: local(data.closing) }),
      element("p", { class: "thanks-body", text: text("thanksBody") })
    ];
    // The rating opened a feedback case: its receipt, to copy or photograph.
    if (state.receipt) {
      parts.push(
        element("div", { class: "receipt", role: "status" }, [
          element("p", { class: "receipt-title", text: text("receiptTitle") }),
          element("p", { class: "receipt-code", text: state.receipt }),
          element("p", { class: "receipt-address-title", text: text("receiptAddress") }),
          element("p", { class: "receipt-address", text: data.receiptPage + state.receipt })
        ])
      );
    } else if (state.queued) {
      parts.push(element("p", { class: "receipt-queued", role: "status", text: text("receiptQueued") }));
    }
    return parts;
  }

  /* The server's answer for the rating on the thank-you screen: its receipt (kept on screen
   * longer), or, when it could not be sent, that no receipt can be shown yet. */
  function thanksOutcome(uuid, outcome) {
    if (outcome.kind === "retry") thanksWaiting();
    if (!state.done || state.sentUuid !== uuid) return;
    if (outcome.kind === "stored" && outcome.receipt) {
      state.receipt = outcome.receipt;
      window.clearTimeout(timers.thanks);
      timers.thanks = window.setTimeout(reset, data.timing.receipt * 1000);
      render();
    }
  }

  /* A send failed (no connection, the server busy): if the rating on the thank-you screen is
   * still waiting in the queue, say that it has no receipt yet. */
  function thanksWaiting() {
    var waiting = load(QUEUE_KEY).some(function (entry) {
      return entry.body.uuid === state.sentUuid;
    });
    if (state.done && waiting && !state.receipt && !state.queued) {
      state.queued = true;
      render();
    }
  }

  function render() {
    document.documentElement.lang = state.language;
    document.title = text("title");
    document.getElementById("place-agency").textContent = local(data.agency);
    document.getElementById("place-desk").textContent = local(data.desk);
    renderLanguages();
    var list = steps();
    var content;
    if (state.done) {
      content = thanksScreen();
    } else {
      var step = list[state.step];
      content = step.kind === "official" ? officialScreen() : itemScreen(step.item);
    }
    screen.replaceChildren.apply(screen, content);
    screen.dataset.step = state.done ? "thanks" : list[state.step].kind === "official" ? "official" : list[state.step].item.key;
    document.getElementById("screen-title").focus({ preventScroll: true });
    window.scrollTo(0, 0);
    renderStatus();
  }

  function renderLanguages() {
    var nav = document.getElementById("languages");
    nav.setAttribute("aria-label", text("language"));
    nav.replaceChildren.apply(
      nav,
      data.languages.map(function (language) {
        return button("language", language.name, function () {
          state.language = language.code;
          state.dirty = true;
          render();
          restartIdle();
        }, { lang: language.code, "aria-pressed": String(language.code === state.language) });
      })
    );
  }

  function advance() {
    state.dirty = true;
    state.step += 1;
    if (state.step >= steps().length) {
      finish();
    } else {
      render();
      restartIdle();
    }
  }

  function finish() {
    var body = {
      uuid: newUuid(),
      questionnaire: data.questionnaire,
      version: data.version,
      answers: state.answers,
      language: state.language,
      submitted_at: new Date().toISOString()
    };
    if (state.official) body.official_code = state.official;
    enqueue(body);
    state.sentUuid = body.uuid;
    // The last attempt failed and the queue waits to try again: nothing is sent now.
    state.queued = Date.now() < pausedUntil;
    state.done = true;
    stopIdle();
    render();
    timers.thanks = window.setTimeout(reset, data.timing.thanks * 1000);
    flush();
  }

  // ------------------------------------------------------------------ starting again

  function reset() {
    // A new state object and a rebuilt screen: nothing of the previous citizen remains.
    Object.keys(timers).forEach(function (name) {
      window.clearTimeout(timers[name]);
      window.clearInterval(timers[name]);
      timers[name] = null;
    });
    countdown.hidden = true;
    if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
    state = { language: data.defaultLanguage, step: 0, answers: {}, official: null, dirty: false, done: false };
    render();
  }

  function stopIdle() {
    window.clearTimeout(timers.idle);
    window.clearInterval(timers.tick);
    timers.idle = timers.tick = null;
    countdown.hidden = true;
  }

  function restartIdle() {
    stopIdle();
    if (state.dirty && !state.done) {
      timers.idle = window.setTimeout(startCountdown, data.timing.idle * 1000);
    }
  }

  function activity() {
    if (state.done) return;
    var wasCounting = !countdown.hidden;
    restartIdle();
    if (wasCounting) document.getElementById("screen-title").focus({ preventScroll: true });
  }

  function startCountdown() {
    var remaining = Math.round(data.timing.countdown);
    function show() {
      document.getElementById("countdown-number").textContent = String(remaining);
      document.getElementById("countdown-body").textContent = text("idleBody", { seconds: remaining });
    }
    document.getElementById("countdown-title").textContent = text("idleTitle");
    var proceed = document.getElementById("countdown-continue");
    proceed.textContent = text("idleContinue");
    show();
    countdown.hidden = false;
    proceed.focus();
    timers.tick = window.setInterval(function () {
      remaining -= 1;
      if (remaining <= 0) {
        reset();
      } else {
        show();
      }
    }, 1000);
  }

  // ------------------------------------------------------------------ the queue

  function load(key) {
    try {
      var value = JSON.parse(window.localStorage.getItem(key));
      return Array.isArray(value) ? value : [];
    } catch (error) {
      return [];
    }
  }

  function save(key, list) {
    window.localStorage.setItem(key, JSON.stringify(list));
  }

  function enqueue(body) {
    var queue = load(QUEUE_KEY);
    queue.push({ body: body, attempts: 0, queuedAt: Date.now() });
    save(QUEUE_KEY, queue);
    renderStatus();
  }

  function removeFromQueue(uuid) {
    save(QUEUE_KEY, load(QUEUE_KEY).filter(function (entry) {
      return entry.body.uuid !== uuid;
    }));
  }

  var sending = false;
  var failures = 0;
  var pausedUntil = 0;
  var flushTimer = null;

  function backoff(retryAfterSeconds) {
    failures += 1;
    var delay = Math.min(data.timing.retryMax, data.timing.retryBase * Math.pow(2, failures - 1));
    delay = delay / 2 + Math.random() * (delay / 2);  // jitter: kiosks back online do not stampede
    if (retryAfterSeconds) delay = Math.max(delay, retryAfterSeconds);
    pausedUntil = Date.now() + delay * 1000;
  }

  function schedule() {
    window.clearTimeout(flushTimer);
    if (load(QUEUE_KEY).length) {
      flushTimer = window.setTimeout(flush, Math.max(0, pausedUntil - Date.now()) + 50);
    }
  }

  function flush() {
    if (sending) return;
    var queue = load(QUEUE_KEY);
    if (!queue.length || Date.now() < pausedUntil) {
      schedule();
      return;
    }
    var entry = queue[0];
    entry.attempts += 1;
    save(QUEUE_KEY, queue);
    sending = true;
    send(entry.body, queue.length - 1)
      .then(function (outcome) {
        thanksOutcome(entry.body.uuid, outcome);
        if (outcome.kind === "stored") {
          failures = 0;
          removeFromQueue(entry.body.uuid);
        } else if (outcome.kind === "refused") {
          failures = 0;
          removeFromQueue(entry.body.uuid);
          var refused = load(REFUSED_KEY);
          refused.push({ body: entry.body, status: outcome.status, error: outcome.error, refusedAt: Date.now() });
          save(REFUSED_KEY, refused);
        } else if (outcome.kind === "unregistered") {
          // Revoked: the page itself now says so politely; the queue stays on the device.
          window.location.reload();
          return;
        } else {
          backoff(outcome.retryAfter);
        }
      })
      .finally(function () {
        sending = false;
        renderStatus();
        schedule();
      });
  }

  function send(body, othersQueued) {
    return window
      .fetch(data.api, {
        method: "POST",
        // X-Kiosk-Unsent: the ratings still waiting here, shown to administrators.
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-Kiosk-Unsent": String(othersQueued) },
        body: JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store"
      })
      .then(
        function (response) {
          if (response.status === 200 || response.status === 201) {
            return response
              .json()
              .catch(function () {
                return {};
              })
              .then(function (answer) {
                return { kind: "stored", receipt: answer.receipt || null };
              });
          }
          if (response.status === 401) return { kind: "unregistered" };
          if (response.status === 429 || response.status >= 500 || response.status === 408) {
            return { kind: "retry", retryAfter: Number(response.headers.get("Retry-After")) || 0 };
          }
          return response
            .json()
            .catch(function () {
              return {};
            })
            .then(function (answer) {
              return { kind: "refused", status: response.status, error: answer.error || "" };
            });
        },
        function () {
          return { kind: "retry" };
        }
      );
  }

  function renderStatus() {
    var unsent = load(QUEUE_KEY).length;
    var refused = load(REFUSED_KEY).length;
    var parts = [];
    if (unsent) {
      parts.push(element("span", { class: "unsent", "data-count": String(unsent), text: text("unsent", { count: unsent }) }));
    }
    if (refused) {
      parts.push(element("span", { class: "refused", "data-count": String(refused), text: text("rejected", { count: refused }) }));
    }
    status.replaceChildren.apply(status, parts);
  }

  // ------------------------------------------------------------------ start

  ["pointerdown", "keydown", "touchstart"].forEach(function (type) {
    document.addEventListener(type, activity, { capture: true, passive: true });
  });
  document.getElementById("countdown-continue").addEventListener("click", activity);
  window.addEventListener("online", function () {
    failures = 0;
    pausedUntil = 0;
    flush();
  });
  window.addEventListener("storage", renderStatus);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(data.serviceWorker).catch(function () {
      // Without a service worker (plain HTTP) the kiosk still works; it just cannot reload offline.
    });
  }
  reset();
  flush();
})();
