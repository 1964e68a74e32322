"""Front ends: each turns its platform's events into calls on the core and renders the Replies.

``telegram/`` is the Telegram front end; ``console.py`` is the console (``python -m bot chat``).
"""
