// Transaction Details: the operation <dialog>. Copy buttons ([data-copy]) and
// [data-dialog-close] are handled by app.js for every page. No inline code (strict CSP).
(function () {
  "use strict";

  // htmx fetches a dialog's body; open the dialog once the form has arrived and focus it once
  // (the amount, or the field in error; a result's first button). app.js drops the form's
  // `autofocus` right after, so htmx does not move the focus again when the swap settles.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.matches || !target.matches("[data-dialog-body]")) return;
    var dialog = target.closest("dialog");
    if (!dialog || !dialog.isConnected) return;
    if (dialog.open && window.backoffice.focusIsIn(dialog)) return;
    if (!dialog.open) dialog.showModal();
    window.backoffice.focusFirstField(dialog, "button");
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
