"""Officer accounts, roles and the audit log."""
