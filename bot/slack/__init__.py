"""The Slack channel: Bolt wiring, Block Kit rendering and the pager's Slack notifier.

`bot.slack.wiring.attach_slack` adds Slack to the server; `bot.slack.app` holds the listeners,
`bot.slack.blocks` the rendering, `bot.slack.notifier` the DMs the pager sends, and
`bot.slack.manifest` the app manifest IT pastes into Slack.
"""
