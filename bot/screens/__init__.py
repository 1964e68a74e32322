"""What each command and button says, as neutral Replies (no markup, no platform)."""
