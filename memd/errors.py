"""The exception tree of memd.

Every error memd raises on purpose is a :class:`MemdError`. Each carries a
``hint`` that tells a person (or an agent) what to do next; the CLI prints it
and exits 1, the MCP server returns it as a tool error. Edges translate these
errors; nothing inside ``memd`` catches them to print.
"""

from __future__ import annotations


class MemdError(Exception):
    """Base class of every error memd raises on purpose."""

    hint: str = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.__class__.__name__


class InvalidInputError(MemdError, ValueError):
    """The caller passed something memd cannot accept (empty text, bad date…)."""


class EmptyTextError(InvalidInputError):
    hint = "Pass the text to remember as an argument or on standard input."


class TextTooLongError(InvalidInputError):
    hint = (
        "Split it into smaller memories (one decision, fact or step each), "
        "or raise max_text_chars in config.toml / MEMD_MAX_TEXT_CHARS."
    )


class NotFoundError(MemdError, LookupError):
    """No memory has the id (or id prefix) asked for."""

    hint = "Check the id: `memd list` (or the MCP `recent` tool) shows recent memories."


class AmbiguousIdError(InvalidInputError):
    hint = "Give more characters of the id."


class ConfigError(MemdError):
    """A setting is missing or wrong."""

    hint = "Check `memd config show` and the MEMD_* environment variables."


class StoreError(MemdError):
    """The store cannot be opened or used."""


class StoreUnreadableError(StoreError):
    hint = (
        "Check that MEMD_HOME points at a memd data directory you can read and write; "
        "`memd config show` prints the path in use."
    )


class ForeignStoreError(StoreError):
    hint = (
        "This directory holds something that is not a memd store. Point MEMD_HOME "
        "at an empty or memd directory instead; nothing was changed."
    )


class StoreVersionError(StoreError):
    hint = "Upgrade memd: this store was written by a newer version."


class DiskFullError(StoreError):
    """A write found no space left on the disk; nothing was stored, nothing was damaged."""

    hint = (
        "Free space on that disk (or move MEMD_HOME elsewhere) and retry: memd resumes "
        "writing as soon as there is room; `memd maintain` compacts the store once it can write."
    )


class StoreReadOnlyError(StoreError):
    """The data directory cannot be written (a read-only mount, or no permission)."""

    hint = (
        "Make MEMD_HOME writable (check the mount and the directory's owner and mode), or "
        "point MEMD_HOME at a writable directory. Reading still works where the files can be read."
    )


class ModelMismatchError(StoreError):
    hint = "Run `memd reindex` to re-embed every memory with the configured model."


class ModelError(MemdError):
    """The embedding (or language) model cannot be loaded or run."""

    hint = (
        "Reinstall with ./install.sh, or point MEMD_EMBED_MODEL_PATH and "
        "MEMD_EMBED_TOKENIZER_PATH at an ONNX model and its tokenizer.json."
    )


class LLMWorkerError(ModelError):
    """The local LLM's worker process crashed, was killed or hung (memd.inference.process):
    that one answer is lost; memd itself goes on and the worker starts again."""

    hint = "Run `memd doctor`: it loads the model in a worker and says what fails and how to fix it."


class LLMDisabledError(LLMWorkerError):
    """The local LLM crashed too often in a row and is switched off in this process."""


class BusyError(MemdError):
    """Another process holds the store's write lock for too long."""

    hint = "Another memd process is writing; try again, or start the daemon (`memd daemon start`)."


class DaemonUnavailableError(MemdError):
    """The daemon is not running or stopped answering."""

    hint = "Start it with `memd daemon start`, or run without it (memd works in-process)."


class DaemonRunningError(MemdError):
    """A daemon already serves this data directory."""

    hint = "Use `memd daemon status`, or `memd daemon restart`."
