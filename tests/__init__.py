"""PatronGuard tests."""
