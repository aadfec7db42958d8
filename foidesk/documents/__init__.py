"""Policy documents: version history, the version-control document, and redaction."""
