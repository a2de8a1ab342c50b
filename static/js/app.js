// Small progressive enhancements. No inline scripts anywhere: everything lives here.
(function () {
  "use strict";

  // The high-risk area only matters for a high-risk system: show it when that tier is chosen.
  function syncDependentFields(root) {
    root.querySelectorAll("[data-show-when-tier]").forEach(function (field) {
      var form = field.form;
      if (!form || !form.elements.eu_ai_act_tier) return;
      var tier = form.elements.eu_ai_act_tier;
      var wrapper = field.closest(".mb-3") || field.parentElement;
      var update = function () {
        var shown = tier.value === field.dataset.showWhenTier;
        wrapper.hidden = !shown;
      };
      tier.addEventListener("change", update);
      update();
    });
  }

  // Progress bars carry their value in data-progress (no inline style: the CSP forbids it).
  function sizeProgressBars(root) {
    var bars = Array.prototype.slice.call(root.querySelectorAll("[data-progress]"));
    if (root.matches && root.matches("[data-progress]")) bars.push(root);
    bars.forEach(function (bar) {
      var value = Math.max(0, Math.min(100, parseInt(bar.dataset.progress, 10) || 0));
      bar.style.width = value + "%";
    });
  }

  // Move focus to the error summary after a failed submission, for keyboard and screen readers.
  function focusErrors() {
    var summary = document.getElementById("form-errors");
    if (summary) summary.focus();
  }

  // A date or date-time picker holding a half-typed or impossible date (31 February, a day
  // without its time) would be sent empty and what was typed lost: the form is not sent, and
  // the field says what to correct. (The server shows a value it cannot read as text.)
  var PICKER_TYPES = { date: "date", "datetime-local": "date and time", time: "time" };

  function clearPickerError(field) {
    field.classList.remove("is-invalid");
    var note = document.getElementById(field.id + "-picker-error");
    if (note) note.remove();
    var described = (field.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
      return id && id !== field.id + "-picker-error";
    });
    if (described.length) field.setAttribute("aria-describedby", described.join(" "));
    else field.removeAttribute("aria-describedby");
  }

  function markPickerError(field) {
    if (!field.id) return;
    clearPickerError(field);
    var note = document.createElement("div");
    note.id = field.id + "-picker-error";
    note.className = "invalid-feedback d-block";
    note.textContent = "This " + PICKER_TYPES[field.type] + " is incomplete or does not exist: " +
      "complete or correct it, or clear it.";
    field.insertAdjacentElement("afterend", note);
    field.classList.add("is-invalid");
    var described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", (described ? described + " " : "") + note.id);
    if (!field.dataset.pickerWatched) {
      field.dataset.pickerWatched = "1";
      field.addEventListener("input", function () {
        if (!field.validity.badInput) clearPickerError(field);
      });
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.elements) return;
    var bad = Array.prototype.filter.call(form.elements, function (field) {
      return PICKER_TYPES[field.type] && field.validity && field.validity.badInput;
    });
    if (!bad.length) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    bad.forEach(markPickerError);
    bad[0].focus();
  }, true);

  // A button with data-confirm asks before its form is submitted (destructive actions).
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = button && button.dataset ? button.dataset.confirm : null;
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // A download that takes seconds (a safety plan's PDF: data-download-progress) shows that it is
  // on its way: the link gets htmx's request indicator (a spinner) and a status line, read out by
  // screen readers, until the file arrives. An error page (403, 404, 500, the sign-in page) is
  // opened as the plain link would have. Without JavaScript the link downloads as before.
  function fileNameFrom(disposition) {
    var match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition || "");
    return match ? decodeURIComponent(match[1]) : "";
  }

  function statusFor(link) {
    var status = link.nextElementSibling;
    if (!status || !status.classList.contains("download-status")) {
      status = document.createElement("span");
      status.className = "download-status small ms-2";
      status.setAttribute("role", "status");
      link.insertAdjacentElement("afterend", status);
    }
    return status;
  }

  function downloadWithProgress(link) {
    if (link.classList.contains("htmx-request")) return;  // already on its way
    var status = statusFor(link);
    var spinner = document.createElement("span");
    spinner.className = "spinner-border spinner-border-sm ms-1 htmx-indicator";
    spinner.setAttribute("aria-hidden", "true");
    link.appendChild(spinner);
    link.classList.add("htmx-request");
    link.setAttribute("aria-busy", "true");
    status.classList.remove("text-danger");
    status.textContent = "Preparing the PDF…";
    fetch(link.href, { credentials: "same-origin" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("application/pdf") !== 0) {
          status.textContent = "";
          window.location.assign(link.href);  // the page that says what went wrong
          return null;
        }
        var name = fileNameFrom(response.headers.get("Content-Disposition")) || "plan.pdf";
        return response.blob().then(function (blob) {
          var url = URL.createObjectURL(blob);
          var save = document.createElement("a");
          save.href = url;
          save.download = name;
          document.body.appendChild(save);
          save.click();
          save.remove();
          window.setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
          status.textContent = "PDF downloaded: " + name;
        });
      })
      .catch(function () {
        status.classList.add("text-danger");
        status.textContent = "The PDF could not be downloaded (no connection?). Try again.";
      })
      .finally(function () {
        spinner.remove();
        link.classList.remove("htmx-request");
        link.removeAttribute("aria-busy");
      });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-download-progress]");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (!window.fetch || !window.URL || !URL.createObjectURL) return;
    event.preventDefault();
    downloadWithProgress(link);
  });

  // The browser's time zone, e.g. "Europe/Paris" ("" when it does not say).
  function browserTimeZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return "";
    }
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  // The sign-in form sends the browser's time zone: it becomes the person's at the first
  // sign-in, so that the very first page shows their times.
  function fillTimeZoneFields(root) {
    var zone = browserTimeZone();
    root.querySelectorAll("input[data-browser-time-zone-field]").forEach(function (field) {
      if (zone && !field.value) field.value = zone;
    });
  }

  // A signed-in person still without a time zone of their own (signed in before it was asked,
  // or without JavaScript then: data-time-zone-url on <body>) gets the browser's, sent once;
  // the server never lets it replace a zone already chosen.
  function sendBrowserTimeZone() {
    var url = document.body.dataset.timeZoneUrl;
    var zone = browserTimeZone();
    if (!url || !zone || !window.fetch) return;
    var body = new URLSearchParams({ time_zone: zone, from_browser: "1" });
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() },
      body: body
    }).then(function (response) {
      if (response.ok) delete document.body.dataset.timeZoneUrl;
    }).catch(function () { /* offline: the next page tries again */ });
  }

  // The profile's time zone form offers the browser's zone in one click.
  function offerBrowserTimeZone(root) {
    var zone = browserTimeZone();
    root.querySelectorAll("[data-use-browser-time-zone]").forEach(function (button) {
      var form = button.form;
      var select = form && form.elements.time_zone;
      if (!zone || !select || !select.querySelector('option[value="' + zone + '"]')) return;
      var hint = button.closest(".browser-time-zone");
      hint.querySelector("[data-browser-time-zone]").textContent = zone.replace(/_/g, " ");
      hint.hidden = select.value === zone;
      button.addEventListener("click", function () {
        select.value = zone;
        hint.hidden = true;
        select.focus();
      });
    });
  }

  // A “Copy” button (data-copy-target: the element whose text it copies), e.g. the one-time
  // API token. Shown only with JavaScript; says what happened in a status line.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "position-absolute top-0 start-0 opacity-0";
      document.body.appendChild(area);
      area.select();
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
      area.remove();
      if (copied) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }

  function enableCopyButtons(root) {
    root.querySelectorAll("[data-copy-target]").forEach(function (button) {
      var target = document.querySelector(button.dataset.copyTarget);
      if (!target || button.dataset.copyReady) return;
      button.dataset.copyReady = "1";
      button.hidden = false;
      var status = button.parentElement.parentElement.querySelector("[data-copy-status]");
      var label = button.querySelector("[data-copy-label]");
      button.addEventListener("click", function () {
        copyText(target.textContent.trim()).then(function () {
          if (label) label.textContent = "Copied";
          if (status) status.textContent = "Copied to the clipboard.";
        }, function () {
          var range = document.createRange();
          range.selectNodeContents(target);
          var selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
          if (status) status.textContent = "Could not copy: the token is selected, press Ctrl+C (⌘C on a Mac).";
        });
      });
    });
  }

  // “Filters (n)” on a phone: n is the number of filters in use, kept up to date as they change.
  function countFilters(form) {
    var names = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.name === "ordering" || field.hasAttribute("data-carried")) return;
      if (field.type === "submit" || field.type === "button") return;
      if ((field.type === "checkbox" || field.type === "radio") && !field.checked) return;
      // A list's first choice, when it is not empty, is its default (“Active” records).
      if (field.tagName === "SELECT" && !field.multiple && field.selectedIndex === 0) return;
      var values = field.multiple
        ? Array.prototype.filter.call(field.options, function (o) { return o.selected; })
        : [field];
      if (values.some(function (v) { return (v.value || "").trim() !== ""; })) names[field.name] = true;
    });
    return Object.keys(names).length;
  }

  function syncFilterCounts(root) {
    root.querySelectorAll("form.filter-form").forEach(function (form) {
      var toggle = document.querySelector('[data-bs-target="#' + form.id + '"] [data-filter-count]');
      if (!toggle) return;
      var update = function () { toggle.textContent = "(" + countFilters(form) + ")"; };
      if (!form.dataset.filterCountReady) {
        form.dataset.filterCountReady = "1";
        form.addEventListener("change", update);
        form.addEventListener("input", update);
      }
      update();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    syncDependentFields(document);
    sizeProgressBars(document);
    focusErrors();
    fillTimeZoneFields(document);
    sendBrowserTimeZone();
    offerBrowserTimeZone(document);
    enableCopyButtons(document);
    syncFilterCounts(document);
  });
  document.addEventListener("htmx:load", function (event) {
    syncDependentFields(event.target);
    sizeProgressBars(event.target);
  });
})();
