"""Bookkeeping for listeners whose sessions must end when the relay stops."""
import asyncio


class Sessions:
    """Counts live sessions for a limit, and cancels them all on close()."""

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
