"""Real `epd-relay serve` processes, and stores for them to fail on."""
import pytest

from tests.faulty_store import Ext4Image, Tmpfs
from tests.relay_process import COMMAND, RelayProcess


@pytest.fixture
async def relay_process():
    started: list[RelayProcess] = []

    def make(config_path, env=None, command=COMMAND) -> RelayProcess:
        process = RelayProcess(config_path, env, command)
        started.append(process)
        return process

    yield make
    for process in started:
        await process.kill()


# The relay's state directory is relay_sections' "state", beside config.toml. These come
# after relay_process, so they are undone before the relay is killed: a frozen file
# system is thawed first, and one still in use is detached (umount -l).
@pytest.fixture
def tmpfs_state(tmp_path, relay_process):
    store = Tmpfs(tmp_path / "state").mount()
    yield store
    store.unmount()


@pytest.fixture
def ext4_state(tmp_path, relay_process):
    store = Ext4Image(tmp_path / "store.img", tmp_path / "state").mount()
    yield store
    store.unmount()
