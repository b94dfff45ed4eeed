import numpy as np
import pytest

from g1mpc.common.errors import UserError
from g1mpc.learning.dataset import load_dataset, read_shard, shard_path, write_shard


def test_shard_round_trip(tmp_path):
    f, k = np.random.rand(7, 5).astype(np.float32), np.random.rand(7, 2, 3).astype(np.float32)
    write_shard(shard_path(tmp_path, 0), f, k, {"task_spec": {"nu": 3}, "seed": 4})
    f2, k2, meta = read_shard(shard_path(tmp_path, 0))
    np.testing.assert_array_equal(f, f2)
    np.testing.assert_array_equal(k, k2)
    assert meta["seed"] == 4
    assert not list(tmp_path.glob("*.tmp"))


def test_corrupt_and_empty_datasets(tmp_path):
    with pytest.raises(UserError, match="no dataset shards"):
        load_dataset(tmp_path)
    write_shard(shard_path(tmp_path, 0), np.zeros((3, 5)), np.zeros((3, 2, 3)), {"task_spec": {}})
    bad = shard_path(tmp_path, 1)
    bad.write_bytes(shard_path(tmp_path, 0).read_bytes()[:100])
    with pytest.raises(UserError, match=r"shard-00001\.npz"):
        load_dataset(tmp_path)


def test_warm_starts_are_read_with_their_shard_and_checked(tmp_path):
    """load_episodes returns each shard's warm starts (None for a shard without them) and refuses bad ones."""
    from g1mpc.learning.dataset import load_episodes

    k = np.random.rand(4, 2, 3).astype(np.float32)
    write_shard(shard_path(tmp_path, 0), np.zeros((4, 5)), k, {"task_spec": {}})
    write_shard(shard_path(tmp_path, 1), np.zeros((4, 5)), k, {"task_spec": {}}, warm_starts=k + 1)
    episodes = load_episodes(tmp_path)
    assert episodes.warm_starts[0] is None
    np.testing.assert_array_equal(episodes.warm_starts[1], k + 1)
    write_shard(shard_path(tmp_path, 2), np.zeros((4, 5)), k, {"task_spec": {}}, warm_starts=k[:3])
    with pytest.raises(UserError, match=r"shard-00002\.npz' has inconsistent shapes"):
        load_episodes(tmp_path)
    write_shard(shard_path(tmp_path, 2), np.zeros((4, 5)), k, {"task_spec": {}}, warm_starts=np.full_like(k, np.nan))
    with pytest.raises(UserError, match="non-finite"):
        load_dataset(tmp_path)
