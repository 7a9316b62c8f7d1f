"""`nextstep demo`: the sandbox CRM, the Telegram emulator and the real bot in one process.

`harness.open_world()` builds the world (also used by the end-to-end tests); `script` holds the
scripted days, one per playbook; `cli` is the command.
"""
