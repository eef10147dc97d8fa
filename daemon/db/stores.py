"""The two SQLite stores: the relay's (the queue) and the panel's (its reference data).

They are separate files so that nothing the panel writes, however long, makes SMTP
acceptance wait. Everything that opens a store comes through here, so an installation from
before the split is split first, whichever command runs first.
"""
import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from daemon.config import StorageConfig
from daemon.db.connect import Database, connect
from daemon.db.migrate import Schema
from daemon.db.single_file import split_single_file


async def open_relay_store(storage: StorageConfig) -> Database:
    await asyncio.to_thread(split_single_file, storage)
    return await connect(storage.relay_database, Schema.RELAY)


async def open_panel_store(storage: StorageConfig) -> Database:
    await asyncio.to_thread(split_single_file, storage)
    return await connect(storage.panel_database, Schema.PANEL)


@asynccontextmanager
async def relay_store(storage: StorageConfig) -> AsyncIterator[Database]:
    db = await open_relay_store(storage)
    try:
        yield db
    finally:
        await db.close()


@asynccontextmanager
async def panel_store(storage: StorageConfig) -> AsyncIterator[Database]:
    db = await open_panel_store(storage)
    try:
        yield db
    finally:
        await db.close()
