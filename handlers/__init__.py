"""PatronGuard handlers."""
