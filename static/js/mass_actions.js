// The order grid's selection for mass actions (the bar: orders/mass/bar.py): the
// page's checkbox ticks every row; once every row of a full page is ticked, "Select all N
// matching this filter" sends the filter instead of the rows (all_matching=1).
(function () {
  "use strict";

  function setUp() {
    var form = document.getElementById("mass-actions");
    if (!form) return;
    var pageBox = document.querySelector("[data-select-page]");
    var rows = function () {
      return Array.prototype.slice.call(
        document.querySelectorAll('input[type=checkbox][name=orders][form="mass-actions"]')
      );
    };
    var allMatching = form.querySelector("[data-all-matching]");
    var pageSelected = form.querySelector("[data-page-selected]");
    var matchingSelected = form.querySelector("[data-matching-selected]");
    var label = form.querySelector("[data-selected-label]");

    function refresh() {
      var boxes = rows();
      var ticked = boxes.filter(function (box) { return box.checked; }).length;
      var every = boxes.length > 0 && ticked === boxes.length;
      if (!every) allMatching.value = "0";
      if (pageBox) {
        pageBox.checked = every;
        pageBox.indeterminate = ticked > 0 && !every;
      }
      var matching = allMatching.value === "1";
      if (pageSelected) pageSelected.hidden = !every || matching;
      if (matchingSelected) matchingSelected.hidden = !matching;
      label.textContent = matching
        ? "With all the matching orders:"
        : ticked ? "With the " + ticked + " selected order" + (ticked === 1 ? "" : "s") + ":"
        : "With the selected orders:";
    }

    if (pageBox) {
      pageBox.addEventListener("change", function () {
        rows().forEach(function (box) { box.checked = pageBox.checked; });
        refresh();
      });
    }
    rows().forEach(function (box) { box.addEventListener("change", refresh); });
    var selectMatching = form.querySelector("[data-select-matching]");
    if (selectMatching) {
      selectMatching.addEventListener("click", function () {
        allMatching.value = "1";
        refresh();
      });
    }
    var clear = form.querySelector("[data-clear-selection]");
    if (clear) {
      clear.addEventListener("click", function () {
        allMatching.value = "0";
        rows().forEach(function (box) { box.checked = false; });
        refresh();
      });
    }
    refresh();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
