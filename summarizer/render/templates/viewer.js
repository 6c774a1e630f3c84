(function(){
  "use strict";
  var smooth = !(window.matchMedia && matchMedia("(prefers-reduced-motion: reduce)").matches);
  function clear(){
    document.querySelectorAll(".active, .flash").forEach(function(el){
      el.classList.remove("active", "flash");
    });
  }
  function mark(id){
    clear();
    var card = document.querySelector('[data-finding="' + id + '"]');
    if (card) card.classList.add("active");
    var pieces = document.querySelectorAll('mark[data-covers~="' + id + '"]');
    pieces.forEach(function(el){ el.classList.add("active"); });
    return {card: card, pieces: pieces};
  }
  function showFinding(id){
    var sel = mark(id);
    if (!sel.card || !sel.pieces.length) return;
    var first = sel.card.getAttribute("data-first-ev");
    var target = (first && document.querySelector('mark[data-evs~="' + first + '"]')) || sel.pieces[0];
    sel.pieces.forEach(function(el){ void el.offsetWidth; el.classList.add("flash"); });
    target.scrollIntoView({block: "center", behavior: smooth ? "smooth" : "auto"});
  }
  function showSpan(el){
    var id = el.getAttribute("data-span-for");
    var sel = mark(id);
    if (sel.card) sel.card.scrollIntoView({block: "nearest", behavior: smooth ? "smooth" : "auto"});
    if (history.replaceState) history.replaceState(null, "", "#f-" + id);
  }
  document.getElementById("findings").addEventListener("click", function(ev){
    var card = ev.target.closest("[data-finding]");
    if (card) showFinding(card.getAttribute("data-finding"));
  });
  document.getElementById("findings").addEventListener("keydown", function(ev){
    var card = ev.target.closest("[data-finding]");
    if (card && (ev.key === "Enter" || ev.key === " ")) {
      ev.preventDefault(); showFinding(card.getAttribute("data-finding"));
    }
  });
  document.getElementById("source-text").addEventListener("click", function(ev){
    var el = ev.target.closest("mark[data-span-for]");
    if (el) showSpan(el);
  });
  if (location.hash.indexOf("#f-") === 0) {
    var id = decodeURIComponent(location.hash.slice(3));
    if (/^r[0-9]+-[a-z]+-[0-9]+$/.test(id)) {
      var card = document.getElementById("f-" + id);
      if (card) { showFinding(id); card.scrollIntoView({block: "nearest"}); }
    }
  }
})();
