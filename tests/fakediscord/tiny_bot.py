"""A minimal real discord.py bot for the fake's self-tests: one slash command family and a button.

`/coach topic` answers with an embed and a `CounterButton`, a `DynamicItem` whose custom_id
carries its whole state, so a press works after a restart with no stored view.
"""

import asyncio
import re

import discord
from discord import app_commands

TOPICS = ["anatomy", "cpt codes", "hcpcs", "icd-10-cm", "medical terminology"]


class CounterButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"counter:(?P<count>\d+):user:(?P<user_id>\d+)",
):
    """A button counting presses; its custom_id is the state: counter:<count>:user:<id>."""

    def __init__(self, user_id: int, count: int = 0) -> None:
        self.user_id = user_id
        self.count = count
        super().__init__(
            discord.ui.Button(
                label=f"Pressed {count}",
                style=discord.ButtonStyle.primary,
                custom_id=f"counter:{count}:user:{user_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[discord.ui.View],
        match: re.Match[str],
    ) -> "CounterButton":
        """Rebuild the button from its custom_id alone."""
        return cls(int(match["user_id"]), int(match["count"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Count the press by editing the message in place (callback type 7)."""
        pressed = CounterButton(self.user_id, self.count + 1)
        view = discord.ui.View(timeout=None)
        view.add_item(pressed)
        await interaction.response.edit_message(view=view)


class TinyBot(discord.Client):
    """A client with a command tree; what it saw goes to queues that tests await."""

    def __init__(self, *, sync_commands: bool = True) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.01)
        self.tree = app_commands.CommandTree(self)
        self.sync_commands = sync_commands
        self.errors: asyncio.Queue[BaseException] = asyncio.Queue()
        self.seen: asyncio.Queue[discord.Message] = asyncio.Queue()
        self.left: asyncio.Queue[int] = asyncio.Queue()
        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]
        _register(self.tree)

    async def setup_hook(self) -> None:
        """Register the dynamic button; sync the commands (PUT) unless told not to."""
        self.add_dynamic_items(CounterButton)
        if self.sync_commands:
            await self.tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        """Greet whoever mentions the bot, pinging nobody."""
        if message.author.bot:
            return
        await self.seen.put(message)
        if self.user is not None and self.user in message.mentions:
            await message.channel.send(
                f"Hello {message.author.mention}!", allowed_mentions=discord.AllowedMentions.none()
            )

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Note that the bot left a guild."""
        await self.left.put(guild.id)

    async def _on_tree_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await self.errors.put(error.__cause__ or error)


def _register(tree: app_commands.CommandTree[TinyBot]) -> None:
    @tree.command(description="Coach me on a topic")
    @app_commands.describe(topic="What to study")
    async def coach(interaction: discord.Interaction, topic: str) -> None:
        embed = discord.Embed(title="Coach", description=f"Today: {topic}")
        view = discord.ui.View(timeout=None)
        view.add_item(CounterButton(interaction.user.id))
        await interaction.response.send_message(
            embed=embed, view=view, ephemeral=interaction.guild is not None
        )

    @coach.autocomplete("topic")
    async def coach_topics(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=t, value=t) for t in TOPICS if current.lower() in t]

    @tree.command(description="Answer the same interaction twice")
    async def twice(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("first")
        await discord.InteractionResponse(interaction).send_message("second")

    @tree.command(description="Say far too much")
    async def ramble(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("x" * 2001)

    @tree.command(description="Think first, then answer privately")
    async def think(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send("Done thinking.")

    @tree.command(description="Get a direct message")
    async def nudge(interaction: discord.Interaction) -> None:
        try:
            await interaction.user.send("Time to study!")
        except discord.Forbidden as refused:
            await interaction.response.send_message(
                f"I can't DM you ({refused.code}).", ephemeral=True
            )
        else:
            await interaction.response.send_message("Sent you a DM.", ephemeral=True)
