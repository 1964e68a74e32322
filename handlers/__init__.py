"""Front ends: each subpackage turns one platform's events into calls on the core."""
