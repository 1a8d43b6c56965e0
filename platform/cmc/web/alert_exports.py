"""An alert's exports as pages offer them: the PDF with its handling marking (issue 18). Adds its views to
``alerts.bp``."""

from __future__ import annotations
