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

  // A button with data-confirm asks before its form is submitted (destructive actions).
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = button && button.dataset ? button.dataset.confirm : null;
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("DOMContentLoaded", function () {
    syncDependentFields(document);
    sizeProgressBars(document);
    focusErrors();
  });
  document.addEventListener("htmx:load", function (event) {
    syncDependentFields(event.target);
    sizeProgressBars(event.target);
  });
})();
