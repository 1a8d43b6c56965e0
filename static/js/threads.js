/* Live discussions: a new thread appears in the open workspace, a new reply in the open thread.
 * Events arrive on the network's room (joined by the server); bodies are HTML sanitised by the server. */
(function () {
  "use strict";
  if (!window.CMCLive) { return; }
  var _ = window.CMC.gettext;
  var threadBox = document.getElementById("thread");
  var liveThreads = document.getElementById("live-threads");

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  if (liveThreads) {
    var networkId = Number(liveThreads.getAttribute("data-network-id"));
    window.CMCLive.on("thread:new", function (t) {
      if (!t || t.network_id !== networkId || document.getElementById("thread-item-" + t.id)) { return; }
      var list = document.getElementById("thread-list");
      if (!list) {
        list = el("ul", "list-group thread-list");
        list.id = "thread-list";
        var empty = document.getElementById("no-threads");
        if (empty) { empty.remove(); }
        liveThreads.after(list);
      }
      var item = el("li", "list-group-item live-item");
      item.id = "thread-item-" + t.id;
      var top = el("div", "d-flex justify-content-between gap-2 flex-wrap");
      var link = el("a", "fw-semibold", t.title);
      link.href = "/threads/" + t.id;
      top.appendChild(link);
      top.appendChild(el("span", "badge text-bg-primary", _("New")));
      item.appendChild(top);
      item.appendChild(el("div", "small text-body-secondary", t.author.name + " (" + t.author.party + ")"));
      list.prepend(item);
    });
  }

  if (threadBox) {
    var threadId = Number(threadBox.getAttribute("data-thread-id"));
    window.CMCLive.on("thread:reply", function (r) {
      if (!r || r.thread_id !== threadId || document.getElementById("reply-" + r.id)) { return; }
      var list = document.getElementById("replies");
      var empty = document.getElementById("no-replies");
      if (empty) { empty.remove(); }
      var item = el("li", "card mb-2 reply reply-new live-item");
      item.id = "reply-" + r.id;
      item.setAttribute("data-reply-id", r.id);
      var body = el("div", "card-body py-2");
      body.appendChild(el("p", "small text-body-secondary mb-1",
        r.author.name + " (" + r.author.party + ") \u00b7 " + window.CMC.showTime(r.created_at)));
      var prose = el("div", "prose");
      prose.innerHTML = r.body_html;  // sanitised with nh3 on the server before it was stored
      body.appendChild(prose);
      item.appendChild(body);
      list.appendChild(item);
      var count = document.getElementById("reply-count");
      if (count) {
        var n = Number(count.getAttribute("data-count")) + 1;
        count.setAttribute("data-count", String(n));
        count.textContent = window.CMC.ngettext("%(num)d reply", "%(num)d replies", n);
      }
    });
  }
}());
