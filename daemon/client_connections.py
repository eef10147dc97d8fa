"""Client connections of a listener (POP3, tunnels), to limit them and end them all at stop."""
import asyncio


class ClientConnections:
    """Counts live connections for a limit, and cancels them all on close()."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def enter(self) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)

    def leave(self) -> None:
        self._tasks.discard(asyncio.current_task())

    async def close(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
