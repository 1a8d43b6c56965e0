/* Document uploads with a progress bar and drag and drop. Without JavaScript the form posts as usual.
 * The server does every check; this only shows progress and the server's answer. */
(function () {
  "use strict";
  var _ = window.CMC.gettext;
  var forms = document.querySelectorAll("form[data-upload]");

  function showError(form, message) {
    var box = document.getElementById("upload-error-summary");
    box.innerHTML = "";
    var alert = document.createElement("div");
    alert.className = "alert alert-danger error-summary";
    alert.setAttribute("role", "alert");
    alert.tabIndex = -1;
    var heading = document.createElement("h2");
    heading.className = "h5";
    heading.textContent = _("There is a problem");
    var text = document.createElement("p");
    text.className = "mb-0";
    text.textContent = message;
    alert.appendChild(heading);
    alert.appendChild(text);
    box.appendChild(alert);
    alert.focus();
  }

  forms.forEach(function (form) {
    var input = form.querySelector("input[type=file]");
    var zone = form.querySelector("[data-drop-zone]");
    var progress = form.querySelector(".progress");
    var bar = form.querySelector(".progress-bar");
    var status = form.querySelector("[aria-live]");

    if (zone && input) {
      ["dragenter", "dragover"].forEach(function (name) {
        zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("drop-active"); });
      });
      ["dragleave", "drop"].forEach(function (name) {
        zone.addEventListener(name, function () { zone.classList.remove("drop-active"); });
      });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        if (event.dataTransfer && event.dataTransfer.files.length) { input.files = event.dataTransfer.files; }
      });
    }

    form.addEventListener("submit", function (event) {
      if (!window.FormData || !input) { return; }
      event.preventDefault();
      var file = input.files && input.files[0];
      var max = Number(input.getAttribute("data-max-bytes"));
      if (file && max && file.size > max) {
        showError(form, _("The file is larger than %(size)s MB. Compress it or split it, then upload again.",
          { size: Math.round(max / 1048576) }));
        return;
      }
      var request = new XMLHttpRequest();
      request.open("POST", form.getAttribute("action") || window.location.pathname);
      request.setRequestHeader("X-Requested-With", "fetch");
      request.responseType = "json";
      progress.classList.remove("d-none");
      request.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { return; }
        var percent = Math.round(e.loaded * 100 / e.total);
        bar.style.width = percent + "%";
        bar.textContent = percent + "%";
        progress.setAttribute("aria-valuenow", String(percent));
        if (percent % 25 === 0) { status.textContent = _("Uploaded %(percent)s%%", { percent: percent }); }
      });
      request.addEventListener("load", function () {
        var body = request.response || {};
        // 201: uploaded; 200: this form was already sent once, and the first upload is where it leads.
        if ((request.status === 201 || request.status === 200) && body.location) {
          status.textContent = _("Upload complete");
          window.location.assign(body.location);
          return;
        }
        progress.classList.add("d-none");
        var message = body.error && body.error.message ? body.error.message :
          (request.status === 413 ? _("The file is too large.") : _("The upload failed. Try again."));
        showError(form, message);
      });
      request.addEventListener("error", function () {
        progress.classList.add("d-none");
        showError(form, _("The connection was lost during the upload. Nothing was saved. Try again."));
      });
      request.send(new FormData(form));
    });
  });
}());
