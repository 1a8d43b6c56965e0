/* Drag and drop for the agenda builder. The ↑/↓ buttons do the same from the keyboard; this only adds the
 * pointer twin. On drop, the day's new order is posted with the agenda revision the page was built from, so
 * a concurrent edit by a colleague gives a conflict message instead of an overwrite. */
(function () {
  "use strict";
  var form = document.getElementById("reorder-form");
  if (!form) { return; }
  // After a move, the page comes back at #item-<id>: put the focus on that item's same button again.
  var moved = window.location.hash && document.querySelector(window.location.hash + " form[action$='/move'] button");
  if (moved) { moved.focus(); }
  var dragged = null;
  document.querySelectorAll(".agenda-builder").forEach(function (list) {
    list.addEventListener("dragstart", function (event) {
      dragged = event.target.closest("li[data-item-id]");
      if (dragged) { dragged.classList.add("dragging"); event.dataTransfer.effectAllowed = "move"; }
    });
    list.addEventListener("dragend", function () { if (dragged) { dragged.classList.remove("dragging"); } });
    list.addEventListener("dragover", function (event) {
      if (!dragged || dragged.parentElement !== list) { return; }  // one day at a time
      event.preventDefault();
      var over = event.target.closest("li[data-item-id]");
      if (!over || over === dragged) { return; }
      var box = over.getBoundingClientRect();
      list.insertBefore(dragged, event.clientY > box.top + box.height / 2 ? over.nextSibling : over);
    });
    list.addEventListener("drop", function (event) {
      if (!dragged || dragged.parentElement !== list) { return; }
      event.preventDefault();
      var ids = Array.prototype.map.call(list.querySelectorAll("li[data-item-id]"), function (li) {
        return li.getAttribute("data-item-id");
      });
      form.action = list.getAttribute("data-reorder-url");
      form.elements.revision.value = list.getAttribute("data-revision");
      form.elements.day.value = list.getAttribute("data-day");
      form.elements.order.value = ids.join(",");
      form.submit();
    });
  });
}());
