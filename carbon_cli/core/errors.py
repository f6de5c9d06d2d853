"""The errors a user can cause and fix: each has a stable code, wording in both languages
(`carbon_cli.core.i18n`) and an exit code; the CLI prints them, never a traceback."""

from __future__ import annotations

from typing import Any

from carbon_cli.core import i18n

# Errors about outputs whose "expected" wording says what to do; it is part of their message.
_ADVICE_IN_MESSAGE = frozenset({"output_is_input", "outdir_is_input", "outdir_not_ours", "outdir_locked"})


def _rebuild(cls: type[CarbonError], code: str, hint: str | None, params: dict[str, Any]) -> CarbonError:
    error = cls.__new__(cls)
    CarbonError.__init__(error, code, hint=hint, **params)
    return error


class CarbonError(Exception):
    """An error a user can cause and fix: rendered as a message, exit code 1 (or 2)."""

    exit_code = 1

    def __init__(self, code: str, *, hint: str | None = None, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params
        self.hint = hint

    def message(self, lang: str = "zh") -> str:
        text = i18n.message(self.code, lang, **self.params)
        advice = i18n.expected(self.code, lang, **self.params) if self.code in _ADVICE_IN_MESSAGE else ""
        return f"{text}{'。' if lang == 'zh' else '; '}{advice}" if advice else text

    def __reduce__(self) -> tuple[Any, ...]:
        # Errors cross process boundaries in a parallel batch; keep their code and parameters.
        return _rebuild, (type(self), self.code, self.hint, self.params)


class UsageError(CarbonError):
    """Wrong options or arguments: exit code 2."""

    exit_code = 2
