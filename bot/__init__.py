"""PatronGuard bot."""
