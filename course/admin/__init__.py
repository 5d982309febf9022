"""Administration: people and roles, content versions, academy settings and the audit log."""
