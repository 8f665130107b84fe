"""The citizen's app: an installable web app at ``/app`` over the public ``/v1`` API (docs/app.md)."""
