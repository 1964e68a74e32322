"""The Discord front end: discord.py client, slash commands, embed + components renderer."""
