// KubeSift report: sortable and filterable tables. The page reads the same without this script;
// it only adds sort buttons and shows the filter boxes. It reads and writes text, never markup.
(function () {
  "use strict";

  function cellKey(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    var key = cell.getAttribute("data-sort");
    return key !== null ? key : cell.textContent.trim().toLowerCase();
  }

  function compare(a, b) {
    var x = Number(a), y = Number(b);
    if (a !== "" && b !== "" && !isNaN(x) && !isNaN(y)) return x - y;
    return a < b ? -1 : a > b ? 1 : 0;
  }

  function sortable(table) {
    var head = table.tHead && table.tHead.rows[0];
    if (!head || !table.tBodies[0]) return;
    Array.prototype.forEach.call(head.cells, function (header, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.textContent = header.textContent;
      header.textContent = "";
      header.appendChild(button);
      header.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var descending = header.getAttribute("aria-sort") === "ascending";
        Array.prototype.forEach.call(head.cells, function (other) { other.setAttribute("aria-sort", "none"); });
        header.setAttribute("aria-sort", descending ? "descending" : "ascending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var order = compare(cellKey(a, index), cellKey(b, index));
          return descending ? -order : order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function applyFilters(table) {
    var text = document.querySelector('input[data-filter="' + table.id + '"]');
    var status = document.querySelector('select[data-status-filter="' + table.id + '"]');
    var needle = text ? text.value.trim().toLowerCase() : "";
    var wanted = status ? status.value : "";
    Array.prototype.forEach.call(table.tBodies, function (body) {
      var family = null, shown = 0;
      Array.prototype.forEach.call(body.rows, function (row) {
        if (row.classList.contains("family")) {
          if (family) family.hidden = shown === 0;
          family = row;
          shown = 0;
          return;
        }
        var match = (!needle || row.textContent.toLowerCase().indexOf(needle) !== -1)
          && (!wanted || row.getAttribute("data-status") === wanted);
        row.hidden = !match;
        if (match) shown += 1;
      });
      if (family) family.hidden = shown === 0;
    });
  }

  function filterable(control, attribute) {
    var table = document.getElementById(control.getAttribute(attribute));
    if (!table) return;
    control.hidden = false;
    control.addEventListener("input", function () { applyFilters(table); });
    control.addEventListener("change", function () { applyFilters(table); });
  }

  document.querySelectorAll("table[data-sortable]").forEach(sortable);
  document.querySelectorAll("input[data-filter]").forEach(function (input) { filterable(input, "data-filter"); });
  document.querySelectorAll("select[data-status-filter]").forEach(function (select) { filterable(select, "data-status-filter"); });
  document.querySelectorAll(".filters").forEach(function (box) { box.hidden = false; });
  document.documentElement.setAttribute("data-script", "ready");
})();
