/* policydiff reports: sortable tables, filters, and the switch that hides cosmetic changes.
   Plain inline script; the report reads fully without it (controls stay hidden). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.querySelectorAll("[data-js-only]").forEach(function (element) {
    element.hidden = false;
  });

  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

  function sortKey(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    var key = cell.getAttribute("data-sort");
    return key === null ? cell.textContent.trim() : key;
  }

  document.querySelectorAll("table[data-sortable]").forEach(function (table) {
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    headers.forEach(function (header, index) {
      var button = header.querySelector("button");
      if (!button) return;
      button.addEventListener("click", function () {
        var descending = header.getAttribute("aria-sort") === "ascending";
        headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
        header.setAttribute("aria-sort", descending ? "descending" : "ascending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var left = sortKey(a, index);
          var right = sortKey(b, index);
          // Natural order ("E66.9" before "E66.10"); ties ("09" and "9") broken by the plain text.
          var order = collator.compare(left, right) || (left < right ? -1 : left > right ? 1 : 0);
          return descending ? -order : order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });

  document.querySelectorAll("[data-filters]").forEach(function (panel) {
    var table = document.getElementById(panel.getAttribute("data-filters"));
    var controls = Array.prototype.slice.call(panel.querySelectorAll("[data-filter]"));
    var count = panel.querySelector("[data-count]");
    function matches(row, control) {
      var wanted = control.value;
      if (!wanted) return true;
      var key = control.getAttribute("data-filter");
      if (key === "text") return row.textContent.toLowerCase().indexOf(wanted.toLowerCase()) !== -1;
      // A row may carry several values of one filter, space-separated ("shared differs").
      return (row.getAttribute("data-" + key) || "").split(" ").indexOf(wanted) !== -1;
    }
    function apply() {
      var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-filter-row]"));
      var shown = 0;
      rows.forEach(function (row) {
        var visible = controls.every(function (control) { return matches(row, control); });
        row.hidden = !visible;
        if (visible) shown += 1;
      });
      // A group's heading row (a service of the comparison) goes with the last of its rows, and so
      // does a kind's heading inside it (the rows after it, up to the next heading).
      Array.prototype.slice.call(table.tBodies).forEach(function (body) {
        var heading = body.querySelector("tr.service-row");
        if (heading) heading.hidden = !body.querySelector("tr[data-filter-row]:not([hidden])");
        Array.prototype.slice.call(body.querySelectorAll("tr.kind-row")).forEach(function (kind) {
          var any = false;
          for (var row = kind.nextElementSibling; row && !row.classList.contains("kind-row"); row = row.nextElementSibling) {
            if (row.hasAttribute("data-filter-row") && !row.hidden) any = true;
          }
          kind.hidden = !any;
        });
      });
      if (count) count.textContent = shown + " of " + rows.length + " shown";
    }
    controls.forEach(function (control) {
      control.addEventListener("input", apply);
      control.addEventListener("change", apply);
    });
    apply();
  });

  /* Revision report: show only the changes of a section, a significance and a direction. */
  document.querySelectorAll("[data-change-filters]").forEach(function (panel) {
    var controls = Array.prototype.slice.call(panel.querySelectorAll("[data-change-filter]"));
    var count = panel.querySelector("[data-change-count]");
    function apply() {
      var items = Array.prototype.slice.call(document.querySelectorAll("article[data-section], tr[data-section]"));
      var shown = 0;
      items.forEach(function (item) {
        var visible = controls.every(function (control) {
          return !control.value || item.getAttribute("data-" + control.getAttribute("data-change-filter")) === control.value;
        });
        item.hidden = !visible;
        if (visible) shown += 1;
      });
      if (count) count.textContent = shown + " of " + items.length + " changes shown";
    }
    controls.forEach(function (control) { control.addEventListener("change", apply); });
    apply();
  });

  var cosmeticSwitch = document.getElementById("hide-cosmetic");
  if (cosmeticSwitch) {
    var applySwitch = function () {
      document.body.classList.toggle("hide-cosmetic", cosmeticSwitch.checked);
    };
    cosmeticSwitch.addEventListener("change", applySwitch);
    applySwitch();
  }
})();
