"""The stage runner: a named, visible daemon (like dmypy) that pays heavy imports once.

`prepops runner status|stop` shows and stops it; `PREPOPS_RUNNER=off` runs every stage
plainly in its own process (for a debugger or `breakpoint()`). Parts: `protocol` (the wire
format and the switch), `client` (what a stage launcher asks), `server` (the daemon),
`warmup` (what it imports, in stage order).
"""
