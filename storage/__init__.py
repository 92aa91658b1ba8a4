"""PatronGuard storage."""
