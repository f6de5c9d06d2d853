"""The `carbon` command: builds the Typer app and maps errors to messages and exit codes.

Exit codes: 0 success; 1 bad input (a survey or data file a user can fix); 2 usage error;
3 internal error (a bug: rerun with --debug for the traceback); 130 interrupted.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import typer

from carbon_cli import __version__
from carbon_cli.cli.commands import assess, batch, compare, listing, plan, template, track, validate

if TYPE_CHECKING:
    from typer._click.exceptions import ClickException

app = typer.Typer(
    name="carbon",
    help=(
        "carbon-cli — 近零碳社区试点筛查：调研表模板、数据校验、碳排放核算、评价打分、"
        "提升路径与投资估算、全区批量评估与调研组织。\n\n"
        "Screens communities for near-zero-carbon community pilots: survey template, validation, "
        "carbon inventory, criteria scoring, costed pathways, district batches and the survey campaign.\n\n"
        "Example: carbon batch sample_data -o out/"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"carbon-cli {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show the full traceback of an internal error."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """carbon-cli: near-zero-carbon community screening."""
    # --debug is acted on by main(), which sees the arguments before the app runs.


for module in (template, validate, assess, plan, track, batch, compare, listing):
    module.register(app)


def _lang_of(argv: list[str]) -> str:
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return os.environ.get("CARBON_LANG", "zh")


def _click_exceptions() -> tuple[type[ClickException], type[typer.Exit], type[typer.Abort]]:
    """(ClickException, Exit, Abort): recent Typer releases vendor their own copy of click."""
    try:
        from typer._click.exceptions import ClickException
    except ImportError:
        # older Typer, which depends on click: mypy sees only the installed Typer, so this import
        # is either missing or a second ClickException to it
        from click.exceptions import ClickException  # type: ignore[no-redef, import-not-found, assignment, unused-ignore]
    return ClickException, typer.Exit, typer.Abort


# Errors raised by the commands whose "expected" wording (what to do) is printed under them.
_ADVICE_AS_HINT = frozenset(
    {"bad_report_format", "report_format_pdf", "usage_bad_date", "batch_no_input", "forms_folder_is_file"}
)


def _print_usage_error(exc: Exception, args: list[str], lang: str, root: Any) -> None:
    """A Click usage error in the chosen language, with what to do and where the help is."""
    from carbon_cli.cli.console import print_error, t
    from carbon_cli.cli.usage import translated
    from carbon_cli.core import i18n

    error = translated(exc, args, root)
    command = error.params["command"]
    advice = i18n.expected(error.code, lang, **error.params)
    help_line = t(lang, f"运行 {command} -h 查看用法和示例", f"run {command} -h for usage and an example")
    error.hint = "\n  ".join(x for x in (advice, help_line) if x)
    print_error(error, lang)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turning every failure into a message and an exit code."""

    from carbon_cli.core.errors import CarbonError

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("CARBON_DEBUG") == "1"
    lang = _lang_of(args)
    lang = lang if lang in ("zh", "en") else "zh"  # --lang fr: said in the default language
    click_error, click_exit, click_abort = _click_exceptions()
    command = typer.main.get_command(app)
    try:
        code = command.main(args=args, prog_name="carbon", standalone_mode=False)
    except click_exit as exc:
        code = exc.exit_code
    except click_error as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # `carbon` alone: the help
            exc.show()
        else:
            _print_usage_error(exc, args, lang, command)
        code = 2
    except click_abort:
        code = 130
    except KeyboardInterrupt:
        from carbon_cli.cli.console import print_interrupted

        print_interrupted(lang)
        code = 130
    except CarbonError as exc:
        from carbon_cli.cli.console import print_error
        from carbon_cli.core import i18n

        if exc.code in _ADVICE_AS_HINT and not exc.hint:
            exc.hint = i18n.expected(exc.code, lang, **exc.params)
        print_error(exc, lang)
        code = exc.exit_code
    except Exception as exc:  # a bug: say so plainly, traceback only on request
        from carbon_cli.cli.console import print_internal_error, stderr, t

        if debug:
            import traceback

            traceback.print_exc(file=sys.stderr)
            stderr.print(
                t(
                    lang,
                    f"内部错误：{type(exc).__name__}（完整出错位置见上方）",
                    f"internal error: {type(exc).__name__} (traceback above)",
                )
            )
        else:
            print_internal_error(exc, lang)
        code = 3
    sys.exit(code if isinstance(code, int) else 0)
