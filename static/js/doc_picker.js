/* The agenda builder's document picker (templates/meetings/_picker.html): a search-as-you-type combobox
 * (WAI-ARIA combobox with a listbox popup) over the documents the editor may read. Choosing one adds a chip
 * (its title and a remove button) holding a hidden `document_ids` input, so the form still posts numbers.
 * Without this script the form shows the typed field of numbers instead.
 *
 * Keyboard: Down/Up move through the results, Enter chooses (and never sends the form while a search is
 * typed), Escape closes the list (a second Escape clears the search). Everything the server sends is put in as text nodes, never as markup. */
(function () {
  "use strict";
  var _ = window.CMC.gettext;
  var ngettext = window.CMC.ngettext;
  var DELAY = 250;  // ms after the last key before asking: one request per pause, not per key

  function setup(picker) {
    var key = picker.getAttribute("data-doc-picker");
    var url = picker.getAttribute("data-search-url");
    var fallback = document.querySelector('[data-picker-fallback="' + key + '"]');
    var input = picker.querySelector('[role="combobox"]');
    var list = picker.querySelector('[role="listbox"]');
    var chips = picker.querySelector(".doc-chips");
    var status = picker.querySelector("[data-picker-status]");
    var timer = null;
    var asked = 0;  // the number of the latest request: an older answer arriving late is dropped
    var options = [];
    var active = -1;

    // The script takes over: the typed field neither shows nor posts; the chips' inputs do.
    if (fallback) {
      fallback.hidden = true;
      fallback.querySelectorAll("input").forEach(function (field) { field.disabled = true; });
    }
    chips.querySelectorAll('input[type="hidden"]').forEach(function (field) { field.disabled = false; });
    picker.hidden = false;

    function say(text) { status.textContent = text; }

    function chosen() {
      return Array.prototype.map.call(chips.querySelectorAll("[data-id]"), function (chip) {
        return chip.getAttribute("data-id");
      });
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      options.forEach(function (option, place) {
        option.element.setAttribute("aria-selected", place === index ? "true" : "false");
        option.element.classList.toggle("active", place === index);
      });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].element.id);
        options[index].element.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function addChip(doc) {
      var id = String(doc.id);
      if (chosen().indexOf(id) !== -1) { return; }
      var chip = document.createElement("li");
      chip.className = "doc-chip";
      chip.setAttribute("data-id", id);
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "document_ids";
      hidden.value = id;
      var title = document.createElement("span");
      title.className = "doc-chip-title";
      title.textContent = doc.title;
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "doc-chip-remove";
      remove.setAttribute("aria-label", _("Remove %(title)s", { title: doc.title }));
      remove.textContent = "\u00d7";
      chip.appendChild(hidden);
      chip.appendChild(title);
      chip.appendChild(remove);
      chips.appendChild(chip);
    }

    function choose(index) {
      var doc = options[index] && options[index].doc;
      if (!doc) { return; }
      addChip(doc);
      input.value = "";
      close();
      say(_("Linked: %(title)s", { title: doc.title }));
      input.focus();
    }

    function show(documents, query) {
      list.textContent = "";
      options = [];
      var taken = chosen();
      documents.filter(function (doc) { return taken.indexOf(String(doc.id)) === -1; }).forEach(function (doc, n) {
        var item = document.createElement("li");
        item.id = "doc-option-" + key + "-" + n;
        item.className = "list-group-item doc-option";
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        var title = document.createElement("span");
        title.className = "doc-option-title";
        title.textContent = doc.title;
        var meta = document.createElement("span");
        meta.className = "doc-option-meta small";
        meta.textContent = [doc.network, doc.kind, (doc.languages || []).join(", ")]
          .filter(Boolean).join(" \u00b7 ");
        item.appendChild(title);
        item.appendChild(meta);
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();  // keep the focus in the search field
          choose(n);
        });
        list.appendChild(item);
        options.push({ doc: doc, element: item });
      });
      if (!options.length) {
        close();
        say(_("No document you may read has “%(query)s” in its title.", { query: query }));
        return;
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(-1);
      say(ngettext("%(num)d document found; choose with the arrow keys.",
                   "%(num)d documents found; choose with the arrow keys.", options.length));
    }

    function search() {
      var query = input.value.trim();
      var mine = ++asked;
      if (!query) { close(); return; }
      window.fetch(url + "?q=" + encodeURIComponent(query), {
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch", "Accept": "application/json" }
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (answer) {
        if (mine === asked) { show(answer.documents || [], query); }
      }).catch(function () {
        if (mine === asked) { close(); say(_("The documents could not be searched. Try again.")); }
      });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, DELAY);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden && options.length > 0;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open) { search(); return; }
        highlight(active < options.length - 1 ? active + 1 : 0);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (open) { highlight(active > 0 ? active - 1 : options.length - 1); }
      } else if (event.key === "Enter") {
        if (open) {
          event.preventDefault();  // choosing a document must not send the item's form
          choose(active >= 0 ? active : 0);
        } else if (input.value.trim()) {
          event.preventDefault();  // a search typed but not answered yet: ask now, send nothing
          window.clearTimeout(timer);
          search();
        }
      } else if (event.key === "Escape") {
        if (open) { event.preventDefault(); close(); } else if (input.value) { event.preventDefault(); input.value = ""; }
      }
    });
    input.addEventListener("blur", function () { close(); });
    chips.addEventListener("click", function (event) {
      var button = event.target.closest(".doc-chip-remove");
      if (!button) { return; }
      var chip = button.closest(".doc-chip");
      var title = chip.querySelector(".doc-chip-title").textContent;
      chip.parentNode.removeChild(chip);
      say(_("Removed: %(title)s", { title: title }));
      input.focus();
    });
  }

  document.querySelectorAll("[data-doc-picker]").forEach(setup);
}());
