// Transaction pages: copy buttons and the operation dialog. No inline code (strict CSP).
(function () {
  "use strict";

  function flash(button, text) {
    var original = button.dataset.label || button.textContent;
    button.dataset.label = original;
    button.textContent = text;
    button.classList.add("is-copied");
    window.setTimeout(function () {
      button.textContent = original;
      button.classList.remove("is-copied");
    }, 1600);
  }

  function copyFallback(value) {
    // Older browsers or an insecure origin: copy through a throwaway selection.
    var area = document.createElement("textarea");
    area.value = value;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    document.body.removeChild(area);
    return ok;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (button) {
      var value = button.dataset.copy;
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(value).then(
          function () { flash(button, "Copied"); },
          function () { flash(button, copyFallback(value) ? "Copied" : "Press Ctrl+C"); }
        );
      } else {
        flash(button, copyFallback(value) ? "Copied" : "Press Ctrl+C");
      }
      return;
    }
    var closer = event.target.closest("[data-dialog-close]");
    if (closer) {
      var dialog = closer.closest("dialog");
      if (dialog) dialog.close();
    }
  });

  // A dialog's body is fetched by htmx; open the dialog once the form has arrived.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    var dialog = target && target.closest ? target.closest("dialog") : null;
    if (!dialog) return;
    if (!dialog.open) dialog.showModal();
    var focus = dialog.querySelector("[autofocus]") || dialog.querySelector("input, button");
    if (focus) focus.focus();
  });

  // Closing discards the dialog's content so the next opening fetches fresh maxima and keys.
  document.addEventListener(
    "close",
    function (event) {
      if (event.target.tagName !== "DIALOG") return;
      var body = event.target.querySelector("[data-dialog-body]");
      if (body) body.innerHTML = "";
    },
    true
  );
})();
