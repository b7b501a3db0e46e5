/* Back-office behaviour: tabs, dismissible alerts, copy buttons, dialogs, htmx error flash.
 * No inline scripts anywhere (strict CSP); everything hooks on data-* attributes and works
 * on content htmx swaps in later, because listeners are delegated from the document. */
(function () {
  "use strict";

  function flash(level, text) {
    var area = document.getElementById("flash");
    if (!area) return;
    var alert = document.createElement("div");
    alert.className = "alert alert--" + level;
    alert.setAttribute("role", level === "error" ? "alert" : "status");
    var span = document.createElement("span");
    span.textContent = text;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "alert__close";
    close.setAttribute("data-dismiss", "");
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "×";
    alert.append(span, close);
    area.append(alert);
  }

  /* Focus, once, the field a dialog's fresh content is about: the first one in error, else
   * the one marked autofocus, else the first field (`fallback`, e.g. "button", when it has
   * none). htmx itself would focus an [autofocus] element of swapped content only when the
   * swap settles, ~20 ms later, when the user may be typing elsewhere already: see
   * `dropAutofocus` below. */
  var FIELDS = "input, select, textarea, button, a[href]";
  var FOCUS_ORDER = [
    "[aria-invalid=true]",
    ".has-error input:not([type=hidden]), .has-error textarea, .has-error select",
    "[autofocus]",
    "input:not([type=hidden]):not([disabled]), textarea:not([disabled]), select:not([disabled])"
  ];
  function focusFirstField(container, fallback) {
    var order = fallback ? FOCUS_ORDER.concat([fallback]) : FOCUS_ORDER;
    for (var i = 0; i < order.length; i++) {
      var field = container.querySelector(order[i]);
      if (field) {
        field.focus();
        return field;
      }
    }
    return null;
  }
  /* Someone working in one of the container's fields (a redraw that kept it, by its id). */
  function focusIsIn(container) {
    var active = document.activeElement;
    return !!active && active !== container && container.contains(active) && active.matches(FIELDS);
  }
  window.backoffice = { flash: flash, focusFirstField: focusFirstField, focusIsIn: focusIsIn };

  /* Tabs: all panels are server-rendered; without JS they simply show one after another. */
  function initTabs(nav) {
    var tabs = Array.prototype.slice.call(nav.querySelectorAll("[data-tab]"));
    if (!tabs.length) return;
    var panels = {};
    document.querySelectorAll("[data-panel]").forEach(function (p) {
      panels[p.getAttribute("data-panel")] = p;
    });
    function show(name, remember) {
      if (!panels[name]) name = tabs[0].getAttribute("data-tab");
      tabs.forEach(function (tab) {
        var on = tab.getAttribute("data-tab") === name;
        tab.classList.toggle("is-active", on);
        tab.setAttribute("aria-selected", on ? "true" : "false");
        tab.tabIndex = on ? 0 : -1;
      });
      Object.keys(panels).forEach(function (key) {
        panels[key].hidden = key !== name;
      });
      if (remember) history.replaceState(null, "", "#" + name);
    }
    nav.addEventListener("click", function (event) {
      var tab = event.target.closest("[data-tab]");
      if (!tab) return;
      event.preventDefault();
      show(tab.getAttribute("data-tab"), true);
    });
    nav.addEventListener("keydown", function (event) {
      if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
      var index = tabs.indexOf(document.activeElement);
      if (index < 0) return;
      var next = tabs[(index + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
      next.focus();
      show(next.getAttribute("data-tab"), true);
    });
    window.addEventListener("hashchange", function () {
      show(location.hash.slice(1), false);
    });
    show(location.hash.slice(1) || nav.getAttribute("data-active"), false);
    nav.classList.add("is-ready");
  }

  function loadingBody() {
    var body = document.createElement("div");
    body.className = "dialog__body";
    body.setAttribute("data-dialog-loading", "");
    var text = document.createElement("p");
    text.className = "muted";
    text.textContent = "Loading…";
    body.append(text);
    return body;
  }

  /* A dialog whose content htmx fetched, or whose form it redrew (its errors): focus its field
   * once the content arrives. Smaller swaps inside (an amount's preview) never move the focus.
   * Close the dialog again if the request failed (the error is flashed below). */
  document.addEventListener("htmx:afterSwap", function (event) {
    var swapped = event.target;
    if (!swapped || !swapped.matches || !swapped.matches("dialog, [data-dialog-body], form")) return;
    var dialog = swapped.closest("dialog");
    if (!dialog || !dialog.open || !dialog.isConnected || focusIsIn(dialog)) return;
    focusFirstField(dialog);
  });
  /* `autofocus` is for page loads. In swapped content htmx would honour it when the swap
   * settles, and pull the focus (and the keystrokes) back into that field after the user has
   * moved on; the listeners above have focused what they meant to by now. Listening on window
   * runs this after every document listener of the same event. */
  function dropAutofocus() {
    document.querySelectorAll("[autofocus]").forEach(function (field) {
      field.removeAttribute("autofocus");
    });
  }
  window.addEventListener("htmx:afterSwap", dropAutofocus);
  window.addEventListener("htmx:oobAfterSwap", dropAutofocus);
  function closeTargetDialog(event) {
    var dialog = event.detail && event.detail.target;
    if (dialog && dialog.tagName === "DIALOG" && dialog.open) dialog.close();
  }
  document.addEventListener("htmx:responseError", closeTargetDialog);
  document.addEventListener("htmx:sendError", closeTargetDialog);

  function copy(button) {
    var text = button.getAttribute("data-copy");
    var label = button.textContent;
    function done(ok) {
      button.textContent = ok ? "Copied" : "Press Ctrl+C";
      window.setTimeout(function () { button.textContent = label; }, 1500);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(false); });
    } else {
      done(false);
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    var dismiss = target.closest("[data-dismiss]");
    if (dismiss) {
      var alert = dismiss.closest(".alert");
      if (alert) alert.remove();
      return;
    }
    var copyButton = target.closest("[data-copy]");
    if (copyButton) {
      copy(copyButton);
      return;
    }
    /* <button data-dialog-open="dialog-id"> opens a <dialog>; [data-dialog-close] closes it.
     * With hx-get the opener also fetches the dialog's content (htmx runs first, on the
     * element): the dialog says it is loading until the fresh form is swapped in. */
    var opener = target.closest("[data-dialog-open]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-dialog-open"));
      if (dialog && typeof dialog.showModal === "function") {
        event.preventDefault();
        if (opener.hasAttribute("hx-get") && !dialog.querySelector("[data-dialog-loading]")) {
          dialog.replaceChildren(loadingBody());
        }
        dialog.showModal();
        // A form drawn in place (Mark as paid) is focused now; a fetched one when it arrives.
        if (!dialog.querySelector("[data-dialog-loading]")) focusFirstField(dialog);
      }
      return;
    }
    var closer = target.closest("[data-dialog-close]");
    if (closer) {
      var open = closer.closest("dialog");
      if (open) open.close();
      return;
    }
    /* Close the user menu when clicking elsewhere. */
    document.querySelectorAll("details.user-menu[open]").forEach(function (menu) {
      if (!menu.contains(target)) menu.removeAttribute("open");
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      document.querySelectorAll("details.user-menu[open]").forEach(function (menu) {
        menu.removeAttribute("open");
      });
    }
  });

  /* htmx does not swap 4xx/5xx responses (except 422 form errors): say what happened. */
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 403) {
      flash("error", "You don't have permission to do that.");
    } else if (status === 404) {
      flash("error", "Not found: it may have been removed, or it belongs to a store you can't view.");
    } else if (status === 409) {
      flash("error", "Someone changed this order meanwhile. Reload the page and try again.");
    } else {
      flash("error", "Something went wrong (" + status + "). Reload the page and try again.");
    }
  });
  document.addEventListener("htmx:sendError", function () {
    flash("error", "The server could not be reached. Check your connection and try again.");
  });

  /* Live totals (New Invoice, New Credit Memo: an element of the form posts it with hx-post
   * when a field changes) after the Back button: the browser restores what was typed, from its
   * page cache (`persisted`) or into a page drawn again, where the totals are the defaults'.
   * Ask for them again once, for what the fields hold now. */
  function differsFromPage(field) {
    if (field.type === "hidden" || field.disabled) return false;
    if (field.type === "checkbox" || field.type === "radio") return field.checked !== field.defaultChecked;
    if (field.tagName === "SELECT") {
      return Array.prototype.some.call(field.options, function (option) {
        return option.selected !== option.defaultSelected;
      });
    }
    return "defaultValue" in field && field.value !== field.defaultValue;
  }
  function recomputeRestoredTotals(event) {
    if (!window.htmx) return;
    document.querySelectorAll("form [hx-post][hx-trigger*='from:']").forEach(function (live) {
      var form = live.closest("form");
      var restored = event.persisted || Array.prototype.some.call(form.elements, differsFromPage);
      if (restored) window.htmx.ajax("POST", live.getAttribute("hx-post"), { source: live });
    });
  }
  window.addEventListener("pageshow", recomputeRestoredTotals);

  function init() {
    document.querySelectorAll("[data-tabs]").forEach(initTabs);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
