// Choosing an excerpt by pointing (templates/evidence/anchors/form.html). Without this script the
// page works through its labelled number fields; with it, a click on a line number chooses that
// line, a shift-click on another extends the range, and dragging on the image draws the region.
// Everything fills the same fields, which stay the keyboard way.
(function () {
  "use strict";

  function byName(form, name) { return form.querySelector('[name="' + name + '"]'); }

  function setupLines(form, table) {
    var start = byName(form, "line_start"), end = byName(form, "line_end");
    if (!start || !end) { return; }
    function paint() {
      var a = parseInt(start.value, 10), b = parseInt(end.value || start.value, 10);
      table.querySelectorAll("[data-line-row]").forEach(function (row) {
        var n = parseInt(row.getAttribute("data-line-row"), 10);
        row.classList.toggle("is-chosen", !isNaN(a) && !isNaN(b) && n >= Math.min(a, b) && n <= Math.max(a, b));
      });
    }
    table.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-line]");
      if (!link) { return; }
      event.preventDefault();
      var n = parseInt(link.getAttribute("data-line"), 10);
      var first = parseInt(start.value, 10);
      if (event.shiftKey && !isNaN(first)) {
        start.value = String(Math.min(first, n));
        end.value = String(Math.max(first, n));
      } else {
        start.value = String(n);
        end.value = String(n);
      }
      paint();
    });
    start.addEventListener("input", paint);
    end.addEventListener("input", paint);
    paint();
  }

  function setupRegion(form, picker) {
    var image = picker.querySelector("img"), box = picker.querySelector("[data-region-box]");
    var fields = { x: byName(form, "x"), y: byName(form, "y"), width: byName(form, "width"), height: byName(form, "height") };
    if (!image || !box || !fields.x) { return; }
    var origin = null;

    function clamp(v) { return Math.max(0, Math.min(1, v)); }
    function relative(event) {
      var r = image.getBoundingClientRect();
      return { x: clamp((event.clientX - r.left) / r.width), y: clamp((event.clientY - r.top) / r.height) };
    }
    function show(x, y, w, h) {
      if (!(w > 0 && h > 0)) { box.hidden = true; return; }
      box.hidden = false;
      box.style.left = (x * 100) + "%";
      box.style.top = (y * 100) + "%";
      box.style.width = (w * 100) + "%";
      box.style.height = (h * 100) + "%";
    }
    function fromFields() {
      var v = ["x", "y", "width", "height"].map(function (k) { return parseFloat(String(fields[k].value).replace(",", ".")) / 100; });
      show(v[0], v[1], v[2], v[3]);
    }
    function percent(v) { return (Math.round(v * 10000) / 100).toFixed(2); }
    function draw(event, done) {
      var p = relative(event);
      var x = Math.min(origin.x, p.x), y = Math.min(origin.y, p.y);
      var w = Math.abs(p.x - origin.x), h = Math.abs(p.y - origin.y);
      show(x, y, w, h);
      if (done && w > 0 && h > 0) {
        fields.x.value = percent(x);
        fields.y.value = percent(y);
        fields.width.value = percent(w);
        fields.height.value = percent(h);
      }
    }
    picker.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) { return; }
      event.preventDefault();
      origin = relative(event);
      if (picker.setPointerCapture) { picker.setPointerCapture(event.pointerId); }
    });
    picker.addEventListener("pointermove", function (event) { if (origin) { draw(event, false); } });
    picker.addEventListener("pointerup", function (event) {
      if (!origin) { return; }
      draw(event, true);
      origin = null;
    });
    ["x", "y", "width", "height"].forEach(function (k) { fields[k].addEventListener("input", fromFields); });
    if (image.complete) { fromFields(); } else { image.addEventListener("load", fromFields); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-anchor-form]");
    if (!form) { return; }
    var table = document.querySelector("[data-anchor-lines]");
    if (table) { setupLines(form, table); }
    var picker = form.querySelector("[data-region-picker]");
    if (picker) { setupRegion(form, picker); }
  });
})();
