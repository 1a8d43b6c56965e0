/* Languages and times in scripts, loaded first on every page.
 * CMC.gettext / CMC.ngettext translate with the page's catalogue (window.CMC_MESSAGES, served per language by
 * /i18n/<lang>.js and absent in English), filling %(name)s placeholders from an object. CMC.showTime writes an
 * ISO time exactly as the server's one time helper does (cmc/i18n/timefmt.py): the reader's language and time
 * zone come from <html lang data-format-locale data-timezone>, never from the browser's own defaults. */
(function () {
  "use strict";
  var CMC = window.CMC = window.CMC || {};
  var root = document.documentElement;
  var locale = root.getAttribute("data-format-locale") || root.lang || "en";
  var zone = root.getAttribute("data-timezone") || "UTC";
  var messages = window.CMC_MESSAGES || {};
  var plural = window.CMC_PLURAL || function (n) { return n === 1 ? 0 : 1; };

  function fill(text, values) {
    if (!values) { return text; }
    return text.replace(/%\((\w+)\)[sd]|%%/g, function (whole, name) {
      if (whole === "%%") { return "%"; }
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  CMC.gettext = function (msgid, values) {
    var found = messages[msgid];
    return fill(typeof found === "string" && found ? found : msgid, values);
  };

  CMC.ngettext = function (singular, pluralText, n, values) {
    var forms = messages[singular];
    var all = Object.assign({ num: n }, values || {});
    if (Array.isArray(forms) && forms[plural(n)]) { return fill(forms[plural(n)], all); }
    return fill(n === 1 ? singular : pluralText, all);
  };

  function zoneLabel(date) {
    // "UTC−4", "UTC+5:30" or "UTC", as the server writes it (abbreviations such as AST are ambiguous).
    var part = new Intl.DateTimeFormat("en", { timeZone: zone, timeZoneName: "longOffset" })
      .formatToParts(date).filter(function (p) { return p.type === "timeZoneName"; })[0];
    var match = part && /([+-])(\d{2}):(\d{2})/.exec(part.value);
    if (!match || (match[2] === "00" && match[3] === "00")) { return "UTC"; }
    var hours = String(Number(match[2]));
    var sign = match[1] === "-" ? "\u2212" : "+";
    return "UTC" + sign + hours + (match[3] === "00" ? "" : ":" + match[3]);
  }

  var styles = {
    datetime: { dateStyle: "medium", timeStyle: "short", hourCycle: "h23" },
    date: { dateStyle: "medium" },
    time: { timeStyle: "short", hourCycle: "h23" }
  };

  /* An ISO 8601 time (as the API and live events send) in the reader's language and zone, named after it. */
  CMC.showTime = function (iso, style) {
    if (!iso) { return ""; }
    var date = new Date(iso);
    if (isNaN(date.getTime())) { return ""; }
    var options = Object.assign({ timeZone: zone }, styles[style || "datetime"] || styles.datetime);
    var text = new Intl.DateTimeFormat(locale, options).format(date);
    return style === "date" ? text : text + " " + zoneLabel(date);
  };
}());
