"""Object-store settings from where AWS tools keep them: ``AWS_*`` variables, then the
profile (``AWS_PROFILE``, else ``default``) in ``~/.aws/credentials`` and ``~/.aws/config``.

Works for AWS S3 and for S3-compatible stores (MinIO, R2, Ceph, moto): their endpoint is
``AWS_ENDPOINT_URL_S3`` / ``AWS_ENDPOINT_URL`` or the profile's ``endpoint_url``. Nothing
here is written anywhere; the options go to LanceDB when the store is opened.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from pathlib import Path

from memd.errors import ConfigError

SCHEMES = ("s3://", "s3a://")


def is_object_store(uri: str) -> bool:
    return uri.startswith(SCHEMES)


def _profile(home_dir: Path, profile: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, section in (
        (".aws/config", f"profile {profile}" if profile != "default" else "default"),
        (".aws/credentials", profile),
    ):
        path = home_dir / name
        if not path.is_file():
            continue
        parser = configparser.ConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except configparser.Error as exc:
            raise ConfigError(f"cannot read {path}: {exc}", hint="Fix the file's syntax.") from None
        if parser.has_section(section):
            out.update(parser.items(section))
    return out


def storage_options(
    uri: str, env: Mapping[str, str] | None = None, home_dir: Path | None = None
) -> dict[str, str]:
    """LanceDB's ``storage_options`` for ``uri`` (empty for a local path)."""
    if not is_object_store(uri):
        return {}
    env = os.environ if env is None else env
    profile_name = env.get("AWS_PROFILE") or "default"
    profile = _profile(home_dir or Path.home(), profile_name)
    key = env.get("AWS_ACCESS_KEY_ID") or profile.get("aws_access_key_id")
    secret = env.get("AWS_SECRET_ACCESS_KEY") or profile.get("aws_secret_access_key")
    if not key or not secret:
        raise ConfigError(
            f"no credentials for the team store {uri}",
            hint=(
                "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile in ~/.aws/credentials "
                f"(AWS_PROFILE={profile_name}); memd never stores them itself."
            ),
        )
    options = {"aws_access_key_id": key, "aws_secret_access_key": secret}
    token = env.get("AWS_SESSION_TOKEN") or profile.get("aws_session_token")
    if token:
        options["aws_session_token"] = token
    options["aws_region"] = (
        env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or profile.get("region") or "us-east-1"
    )
    endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL") or profile.get("endpoint_url")
    if endpoint:
        options["aws_endpoint"] = endpoint
        if endpoint.startswith("http://"):
            options["allow_http"] = "true"  # a store on this machine or the LAN (MinIO, moto)
    # Fail in seconds when the store is unreachable, not after the SDK's long default.
    options.setdefault("connect_timeout", "5s")
    options.setdefault("timeout", "30s")
    return options
