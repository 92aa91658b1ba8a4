"""Microsoft Teams: botbuilder wiring, Adaptive Card rendering, and the Teams notifier."""
