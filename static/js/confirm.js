/* The one confirmation dialog: money moves confirmed by the server, and fixed questions.
 *
 * Money moves (backoffice/confirmation.py). A form marked data-confirm-money — or its submit
 * button (New Credit Memo's Refund / Refund Offline, the Refund dialog's two buttons), or its
 * checked radio (New Invoice's and an invoice's Amount choices) — is first posted to the URL
 * the real request goes to, with the same fields (the clicked button's name and value, the
 * CSRF token, the idempotency key) plus _confirm=preview. The server validates it exactly as
 * the real POST and writes nothing:
 * - its answer {"confirm": {title, sentence, consequence, ok_label, danger}} is shown in this
 *   <dialog> ("Capture $10.50 online from Visa ····4242 (authorization psp-auth-1)."): OK sends
 *   the real request (same form, same idempotency key), Go back sends nothing;
 * - any other answer (422 with the field errors, 403, 409, {"confirm": null} for a form sent
 *   before) sends the real request without asking: the server answers it with the same errors
 *   and writes nothing, or with what the first submit did;
 * - a server error (5xx) or no answer sends nothing and says so: the money would otherwise move
 *   without its sentence ever being shown.
 * Works for htmx forms and buttons (on htmx:confirm) and for plain forms (on submit).
 *
 * Fixed questions. hx-confirm="question" (Void, Cancel, Hold, Approve: no typed amount) waits
 * for the same dialog instead of window.confirm(); data-confirm-ok names its confirming
 * button, data-confirm-danger colours it as destructive.
 *
 * Without JavaScript every form posts directly: the server guards every operation either way
 * (permission, availability, validation, four-eyes, idempotency), only the question is skipped.
 */
(function () {
  "use strict";

  var MONEY = "data-confirm-money";
  var dialog = null;
  var pending = null;
  var busy = false; // a preview is on its way or the dialog is open: further submits wait

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-title");
    dialog.setAttribute("aria-describedby", "confirm-dialog-text");
    var form = document.createElement("form");
    form.method = "dialog";
    var header = document.createElement("header");
    header.className = "dialog__header";
    var title = document.createElement("h2");
    title.className = "dialog__title";
    title.id = "confirm-dialog-title";
    header.append(title);
    var body = document.createElement("div");
    body.className = "dialog__body";
    body.id = "confirm-dialog-text";
    var text = document.createElement("p");
    text.className = "confirm-dialog__text";
    text.setAttribute("data-testid", "confirm-sentence");
    var note = document.createElement("p");
    note.className = "confirm-dialog__note muted small";
    note.setAttribute("data-testid", "confirm-consequence");
    body.append(text, note);
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
      busy = false;
      if (run && dialog.returnValue === "ok") run();
    });
    document.body.append(dialog);
    return dialog;
  }

  /* question: {title, sentence, consequence, ok_label, danger}. */
  function ask(question, onConfirm) {
    var d = dialog || build();
    d.querySelector(".dialog__title").textContent = question.title || "Please confirm";
    d.querySelector(".confirm-dialog__text").textContent = question.sentence;
    var note = d.querySelector(".confirm-dialog__note");
    note.textContent = question.consequence || "";
    note.hidden = !question.consequence;
    var okButton = d.querySelector(".confirm-dialog__ok");
    okButton.textContent = question.ok_label || "Confirm";
    // Destructive actions (Void, Cancel, Reversal) get the danger colour on their button.
    okButton.classList.toggle("btn--danger", !!question.danger);
    okButton.classList.toggle("btn--primary", !question.danger);
    d.returnValue = "";
    pending = onConfirm;
    busy = true;
    d.showModal();
    okButton.focus();
  }

  /* ---- money moves: ask the server what the request would do -------------------------- */

  /* Is this submit a money move? The button pressed, the form, or its checked radio says so. */
  function isMoneyMove(form, submitter) {
    if (submitter && submitter.hasAttribute(MONEY)) return true;
    if (!form) return false;
    return form.hasAttribute(MONEY) || form.querySelector("input:checked[" + MONEY + "]") !== null;
  }

  function formData(form, submitter) {
    var data;
    try {
      data = new FormData(form, submitter || undefined);
    } catch (error) {
      data = new FormData(form); // a submitter that no longer belongs to the form
      if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    }
    data.append("_confirm", "preview");
    return data;
  }

  var SERVER_FAILED = "The server could not check this request; nothing was sent. Try again.";
  var UNREACHABLE = "The server could not be reached; nothing was sent. Try again.";

  function refuse(message) {
    busy = false;
    if (window.backoffice) window.backoffice.flash("error", message);
  }

  /* POST the preview; call `confirmed` after OK, or at once when the answer asks nothing. */
  function preview(url, form, submitter, viaHtmx, confirmed) {
    busy = true;
    var headers = { Accept: "application/json" };
    if (viaHtmx) headers["HX-Request"] = "true"; // the view answers as it would answer htmx
    fetch(url, {
      method: "POST",
      body: formData(form, submitter),
      headers: headers,
      credentials: "same-origin",
      redirect: "manual"
    }).then(function (response) {
      // A server error is no answer: sending the real request would move the money without
      // its sentence ever being shown.
      if (response.status >= 500) return { failed: SERVER_FAILED };
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      return response.ok && json ? response.json() : null;
    }).then(function (answer) {
      if (answer && answer.confirm) {
        ask(answer.confirm, confirmed);
      } else if (answer && answer.failed) {
        refuse(answer.failed);
      } else {
        busy = false;
        confirmed(); // invalid input, refusals, a form sent before: the real request answers them
      }
    }, function () {
      refuse(UNREACHABLE);
    });
  }

  function submitterOf(event) {
    var trigger = event.detail.triggeringEvent;
    if (trigger && trigger.submitter) return trigger.submitter;
    var elt = event.detail.elt;
    return elt.tagName === "BUTTON" || elt.tagName === "INPUT" ? elt : null;
  }

  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail.elt;
    var question = event.detail.question;
    if (question) {
      // A fixed question (hx-confirm): no typed amount to read back.
      event.preventDefault();
      if (busy) return;
      var form = elt.closest("form");
      ask({
        sentence: question,
        ok_label: elt.getAttribute("data-confirm-ok") || (form && form.getAttribute("data-confirm-ok")),
        danger: elt.closest("[data-confirm-danger]") !== null
      }, function () { event.detail.issueRequest(true); });
      return;
    }
    // Only a submit asks; live updates inside a form (New Invoice totals) never do.
    var submitter = submitterOf(event);
    var owner = elt.tagName === "FORM" ? elt : (submitter ? elt.closest("form") : null);
    if (!owner || !isMoneyMove(owner, submitter)) return;
    event.preventDefault();
    if (busy) return;
    preview(event.detail.path, owner, submitter, true, function () { event.detail.issueRequest(true); });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("hx-post") || form.method === "dialog") return;
    var submitter = event.submitter;
    if (submitter && (submitter.hasAttribute("data-no-confirm") || submitter.hasAttribute("hx-post"))) return;
    if (form.getAttribute("data-confirmed") === "1") {
      form.removeAttribute("data-confirmed"); // this submit only: the next one asks again
      return;
    }
    if (!isMoneyMove(form, submitter)) return;
    event.preventDefault();
    if (busy) return;
    var url = submitter && submitter.hasAttribute("formaction") ? submitter.formAction : form.action;
    preview(url, form, submitter, false, function () {
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
