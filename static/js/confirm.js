/* Confirmation dialog for actions that move money or can't be undone.
 *
 * - htmx requests with hx-confirm="question" (or a form marked data-confirm-source, whose
 *   checked radio carries data-confirm) wait for this <dialog> instead of window.confirm().
 * - Plain forms (New Invoice) with data-confirm, or data-confirm-source and a checked radio
 *   with data-confirm, ask the same way before submitting; a submit button's own data-confirm
 *   (New Credit Memo's Refund / Refund Offline) takes precedence.
 * data-confirm-ok names the confirming button ("Void", "Capture"); data-confirm-danger colours
 * it as destructive. Without JavaScript the
 * forms post directly: the server guards every operation either way.
 */
(function () {
  "use strict";

  var dialog = null;
  var pending = null;

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-title");
    var form = document.createElement("form");
    form.method = "dialog";
    var header = document.createElement("header");
    header.className = "dialog__header";
    var title = document.createElement("h2");
    title.className = "dialog__title";
    title.id = "confirm-dialog-title";
    title.textContent = "Please confirm";
    header.append(title);
    var body = document.createElement("div");
    body.className = "dialog__body";
    var text = document.createElement("p");
    text.className = "confirm-dialog__text";
    body.append(text);
    var footer = document.createElement("footer");
    footer.className = "dialog__footer";
    var cancel = document.createElement("button");
    cancel.value = "cancel";
    cancel.className = "btn btn--secondary";
    cancel.textContent = "Go back";
    var ok = document.createElement("button");
    ok.value = "ok";
    ok.className = "btn btn--primary confirm-dialog__ok";
    footer.append(cancel, ok);
    form.append(header, body, footer);
    dialog.append(form);
    dialog.addEventListener("close", function () {
      var run = pending;
      pending = null;
      if (run && dialog.returnValue === "ok") run();
    });
    document.body.append(dialog);
    return dialog;
  }

  function ask(question, okLabel, onConfirm, danger) {
    var d = dialog || build();
    d.querySelector(".confirm-dialog__text").textContent = question;
    var okButton = d.querySelector(".confirm-dialog__ok");
    okButton.textContent = okLabel || "Confirm";
    // Destructive actions (Void, Cancel) get the danger colour on their confirming button.
    okButton.classList.toggle("btn--danger", !!danger);
    okButton.classList.toggle("btn--primary", !danger);
    d.returnValue = "";
    pending = onConfirm;
    d.showModal();
    d.querySelector(".confirm-dialog__ok").focus();
  }

  function questionFor(elt) {
    var form = elt.closest ? elt.closest("form") : null;
    var source = form && form.hasAttribute("data-confirm-source") ? form : null;
    if (source) {
      var checked = source.querySelector("input:checked[data-confirm]");
      if (checked) return { text: checked.getAttribute("data-confirm"), ok: checked.getAttribute("data-confirm-ok") };
    }
    var own = form && form.getAttribute("data-confirm");
    if (own) return { text: own, ok: form.getAttribute("data-confirm-ok") };
    return null;
  }

  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail.elt;
    var question = event.detail.question;
    var ok = elt.getAttribute("data-confirm-ok") || (elt.closest("form") && elt.closest("form").getAttribute("data-confirm-ok"));
    if (!question) {
      // Only a form's own submit asks; live updates inside it (New Invoice totals) never do.
      if (elt.tagName !== "FORM") return;
      var fromForm = questionFor(elt);
      if (!fromForm) return;
      question = fromForm.text;
      ok = fromForm.ok;
    }
    event.preventDefault();
    var danger = elt.closest("[data-confirm-danger]") !== null;
    ask(question, ok, function () { event.detail.issueRequest(true); }, danger);
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("hx-post") || form.method === "dialog") return;
    if (event.submitter && event.submitter.hasAttribute("data-no-confirm")) return;
    if (form.getAttribute("data-confirmed") === "1") return;
    var submitter = event.submitter;
    // A form with several buttons (Refund, Refund Offline) lets each ask its own question.
    var question = submitter && submitter.hasAttribute("data-confirm")
      ? { text: submitter.getAttribute("data-confirm"), ok: submitter.getAttribute("data-confirm-ok") }
      : questionFor(form);
    if (!question) return;
    event.preventDefault();
    ask(question.text, question.ok, function () {
      // Live updates (htmx) may have redrawn the button while the dialog was open: submit
      // through its new copy, never through the form's default button (another operation).
      if (submitter && !submitter.isConnected) {
        submitter = submitter.id ? document.getElementById(submitter.id) : null;
        if (!submitter || submitter.form !== form) return;
      }
      form.setAttribute("data-confirmed", "1");
      form.requestSubmit(submitter || undefined);
    });
  });
})();
