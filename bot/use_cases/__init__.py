"""Use cases: a front end hands in (actor, command or action); the core returns a Reply."""
