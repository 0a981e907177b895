from pathlib import Path

import pytest

from memd.config import load_settings
from memd.errors import ConfigError


def test_defaults(tmp_path: Path):
    s = load_settings(tmp_path, env={})
    assert s.home == tmp_path
    assert s.store_location == str(tmp_path / "store")
    assert s.is_local
    assert s.embed_model == "minilm-l6-int8"


def test_env_overrides_file(tmp_path: Path):
    (tmp_path / "config.toml").write_text('max_text_chars = 500\ndevice = "cpu"\n')
    s = load_settings(tmp_path, env={"MEMD_MAX_TEXT_CHARS": "900"})
    assert s.max_text_chars == 900
    assert s.device == "cpu"


def test_memd_home_env_is_the_default_home(tmp_path: Path):
    assert load_settings(env={"MEMD_HOME": str(tmp_path)}).home == tmp_path


def test_object_store_uri_is_not_local(tmp_path: Path):
    s = load_settings(tmp_path, env={"MEMD_STORE_URI": "s3://bucket/memd"})
    assert not s.is_local and s.store_location == "s3://bucket/memd"


@pytest.mark.parametrize(
    "env", [{"MEMD_DEVICE": "tpu"}, {"MEMD_MAX_TEXT_CHARS": "lots"}, {"MEMD_EMBED_BATCH_SIZE": "0"}]
)
def test_bad_settings_name_the_field(tmp_path: Path, env):
    field = next(iter(env)).removeprefix("MEMD_").lower()
    with pytest.raises(ConfigError, match=field):
        load_settings(tmp_path, env=env)


def test_unknown_key_in_config_file(tmp_path: Path):
    (tmp_path / "config.toml").write_text("colour = 'blue'\n")
    with pytest.raises(ConfigError, match="colour"):
        load_settings(tmp_path, env={})


def test_broken_toml(tmp_path: Path):
    (tmp_path / "config.toml").write_text("this is = = not toml")
    with pytest.raises(ConfigError, match="config.toml"):
        load_settings(tmp_path, env={})


def test_blas_threads_are_limited_by_the_composition_root(tmp_path: Path):
    from fakes import HashEmbedder
    from threadpoolctl import threadpool_info, threadpool_limits

    import memd

    blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
    if not blas:
        pytest.skip("numpy here has no BLAS threadpool threadpoolctl can see")
    with threadpool_limits(2, user_api="blas"):
        memd.open(tmp_path / "a", embedder=HashEmbedder()).close()
        assert {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"} == {1}
        threadpool_limits(2, user_api="blas")
        memd.open(tmp_path / "b", embedder=HashEmbedder(), blas_threads=0).close()
        assert {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"} == {2}


def test_config_set_writes_a_checked_value_and_keeps_the_others(tmp_path: Path):
    from memd.config import set_value
    from memd.errors import ConfigError

    set_value(tmp_path, "team_uri", "s3://acme/api")
    set_value(tmp_path, "compact-every", "64")
    assert load_settings(tmp_path, env={}).team_uri == "s3://acme/api"
    assert load_settings(tmp_path, env={}).compact_every == 64
    before = (tmp_path / "config.toml").read_text()
    with pytest.raises(ConfigError, match="device"):
        set_value(tmp_path, "device", "gpu9")
    with pytest.raises(ConfigError, match="no setting named 'tem_uri'") as info:
        set_value(tmp_path, "tem_uri", "x")
    assert "team_uri" in info.value.hint
    assert (tmp_path / "config.toml").read_text() == before  # a refused value changes nothing
