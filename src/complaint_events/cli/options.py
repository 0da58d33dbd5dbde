"""Where the event store and Kafka are: options declared once, and the one Settings they make.

``--store``, ``--postgres`` and ``--kafka`` may be given before the command
(``complaint-events --kafka H:P health``) or after it, where each command has
always taken those it uses (``complaint-events health --kafka H:P``). Either
way their values go to the invocation's :class:`CommandLine`, kept on the typer
context (``ctx.obj``); the command asks :func:`settings_of` for the one
:class:`~complaint_events.settings.Settings`, built from the environment
(``COMPLAINTS_*``) with what was given on top, an option given later (after
the command) winning over one given earlier.

Settings are built when a command first asks, not in the root callback: options
after the command are parsed only once that callback has run, and a command
that reads no setting (``schemas check``, any ``--help``) does not read the
environment at all, so a bad ``COMPLAINTS_*`` value does not stop it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

import typer

from complaint_events.settings import Settings

Command = Callable[..., None]


@dataclass(frozen=True)
class SettingOption:
    """A command-line option that sets one field of the settings."""

    parameter: str
    setting: str
    option: Any  # what typer.Option returns

    def signature_parameter(self) -> inspect.Parameter:
        return inspect.Parameter(
            self.parameter,
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[str | None, self.option],
        )


STORE = SettingOption(
    "store",
    "store",
    typer.Option("--store", help="Event store: sqlite or postgres \\[env COMPLAINTS_STORE]."),
)
POSTGRES = SettingOption(
    "postgres",
    "postgres_dsn",
    typer.Option("--postgres", help="PostgreSQL DSN \\[env COMPLAINTS_POSTGRES_DSN]."),
)
KAFKA = SettingOption(
    "kafka",
    "kafka_bootstrap",
    typer.Option("--kafka", help="Kafka bootstrap servers \\[env COMPLAINTS_KAFKA_BOOTSTRAP]."),
)
METRICS_PORT = SettingOption(
    "metrics_port",
    "metrics_port",
    typer.Option(
        "--metrics-port",
        metavar="PORT",
        help="Serve Prometheus /metrics on this port; 0: none; one port per process on a "
        "host \\[env COMPLAINTS_METRICS_PORT].",
    ),
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def settings_given(**given: Any) -> Settings:
    """The settings of the environment (``COMPLAINTS_*``) with the fields ``given``
    (a field given as ``None`` keeps the environment's value)."""
    return Settings(**{name: value for name, value in given.items() if value is not None})


@dataclass
class CommandLine:
    """What this invocation's options said about the settings, and the settings once built."""

    given: dict[str, Any] = field(default_factory=dict)
    built: Settings | None = None

    def give(self, option: SettingOption, value: str | None) -> None:
        if value is not None:
            self.given[option.setting] = value

    def gave(self, option: SettingOption) -> str | None:
        """The value the command line gave ``option``, if any."""
        value: str | None = self.given.get(option.setting)
        return value

    def settings(self, **command_own: Any) -> Settings:
        """The invocation's settings; ``command_own``: fields the command itself sets (the
        first request's win: a command asks once)."""
        if self.built is None:
            own = {name: value for name, value in command_own.items() if value is not None}
            self.built = settings_given(**{**self.given, **own})
        return self.built


def command_line(ctx: typer.Context) -> CommandLine:
    """This invocation's command line (made by the first callback that needs it)."""
    line: CommandLine = ctx.ensure_object(CommandLine)
    return line


def settings_of(ctx: typer.Context, **command_own: Any) -> Settings:
    """The one Settings of this invocation: environment, the options given, ``command_own``
    (fields the command sets from its own options, e.g. ``relay_batch_size``; ``None``
    leaves a field to the environment)."""
    return command_line(ctx).settings(**command_own)


def setting_options(*options: SettingOption) -> Callable[[Command], Command]:
    """Let a command (or a callback) take ``options``; their values go to the CommandLine.

    The command itself does not receive them: it needs a ``typer.Context`` parameter
    and calls :func:`settings_of` with it.
    """

    def decorate(command: Command) -> Command:
        signature = inspect.signature(command, eval_str=True)
        context = _context_parameter(command, signature)
        clashes = [o.parameter for o in options if o.parameter in signature.parameters]
        if clashes:
            raise TypeError(f"{command.__name__} already has parameters {clashes}")

        @functools.wraps(command)
        def taking_options(*args: Any, **kwargs: Any) -> None:
            line = command_line(kwargs[context])
            for option in options:
                line.give(option, kwargs.pop(option.parameter))
            command(*args, **kwargs)

        parameters = [*signature.parameters.values()]
        parameters += [option.signature_parameter() for option in options]
        # What typer reads to make the command's parameters (inspect.signature honours it).
        vars(taking_options)["__signature__"] = signature.replace(parameters=parameters)
        return taking_options

    return decorate


def _context_parameter(command: Command, signature: inspect.Signature) -> str:
    for name, parameter in signature.parameters.items():
        if parameter.annotation is typer.Context:
            return name
    raise TypeError(f"{command.__name__} needs a typer.Context parameter to take setting options")
