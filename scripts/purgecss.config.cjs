// PurgeCSS settings for Bootstrap's CSS (run by scripts/vendor.sh; the output is committed as
// static/vendor/bootstrap/bootstrap.purged.min.css). A selector is kept when every class, id and element it names
// appears as a word in the content below: the templates, the platform's scripts and the Python code.
// tests/unit/test_purged_css.py checks that every class used there survives.
"use strict";

module.exports = {
  content: [
    "templates/**/*.html", "static/js/*.js", "platform/cmc/**/*.py",
    // What WTForms' widgets write (templates call them, so these tags and attributes are not in their text).
    {
      raw: '<textarea></textarea><select multiple></select><input type="radio"><input type="checkbox">' +
        '<input type="text"><input type="email"><input type="password"><input type="file"><input type="date">' +
        '<input type="number"><input type="hidden"><input type="search"><input type="datetime-local">' +
        '<input type="time"><input type="url"><input type="submit"><label></label><option></option>',
      extension: "html",
    },
  ],
  safelist: {
    standard: [
      // Added at run time by Bootstrap's collapse (the navigation menu on small screens) and its transitions.
      "show", "collapse", "collapsing", "collapsed", "collapse-horizontal", "fade",
      // Form states set by templates through expressions.
      "is-invalid", "is-valid", "was-validated", "active", "disabled",
      // Built from a prefix and a value in templates and scripts: alert-{{ category }}, text-bg-...
      /^alert-(primary|secondary|success|danger|warning|info|light|dark)$/,
      /^text-bg-/,
    ],
  },
};
