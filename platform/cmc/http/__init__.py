"""What the pages (``cmc.web``) and the JSON API (``cmc.api``) share: the access rule every route declares,
pagination, file sending and error bodies. Imports neither of them, so the API stands without the pages."""
