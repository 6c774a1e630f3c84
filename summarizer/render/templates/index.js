(function(){
  "use strict";
  // Sort the batch table by a column: names and text in natural order (r2 before r10),
  // counts as numbers; a second click reverses. The total row stays at the bottom.
  var table = document.getElementById("index-table");
  if (!table) return;
  var collator = new Intl.Collator(["zh-CN", "en"], {numeric: true, sensitivity: "base"});
  function value(row, i){
    var cell = row.cells[i];
    return cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent.trim();
  }
  function sortBy(th){
    var i = th.cellIndex, kind = th.getAttribute("data-sort");
    var asc = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th[data-sort]").forEach(function(h){ h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function(a, b){
      var x = value(a, i), y = value(b, i), c;
      if (kind === "number") c = (parseFloat(x) || 0) - (parseFloat(y) || 0);
      else c = collator.compare(x, y);
      if (c === 0) c = collator.compare(value(a, 0), value(b, 0));
      return asc ? c : -c;
    });
    rows.forEach(function(r){ body.appendChild(r); });
  }
  table.querySelectorAll("th[data-sort]").forEach(function(th){
    th.addEventListener("click", function(){ sortBy(th); });
  });
})();
