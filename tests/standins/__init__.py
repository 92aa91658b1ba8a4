"""Local stand-ins for Slack and the Bot Framework Connector, and payload validators."""
