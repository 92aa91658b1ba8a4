"""PatronGuard playbooks."""
