// Transaction Details: the operation <dialog>. Copy buttons ([data-copy]) and
// [data-dialog-close] are handled by app.js for every page. No inline code (strict CSP).
(function () {
  "use strict";

  // htmx fetches a dialog's body; open the dialog once the form has arrived.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    var dialog = target && target.closest ? target.closest("dialog") : null;
    if (!dialog) return;
    if (!dialog.open) dialog.showModal();
    var focus = dialog.querySelector("[autofocus]") || dialog.querySelector("input, button");
    if (focus) focus.focus();
  });

  // Closing discards the content, so the next opening fetches a fresh maximum and a new
  // idempotency key instead of resubmitting an old form.
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
