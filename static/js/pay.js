/* The payment link's return page (templates/orders/pay/return.html): the customer is back from
 * the payment provider's page; post the form at once, so the page records the payment (a GET
 * never writes). Without JavaScript, the form's button does the same. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-autosubmit]");
    if (form) form.submit();
  });
})();
