"""The `atelier` console command: Django's management commands under one short name.

atelier load-reference          ->  manage.py load_reference
atelier import-sirene --help    ->  manage.py import_sirene --help
atelier, atelier --help         ->  Atelier's own commands first (hyphenated), then Django's

A reader that stops early (`atelier export … | head`) ends the command quietly with the exit
status of a process stopped by SIGPIPE, 141 (128 + 13), as other Unix tools do: no traceback.
"""

import os
import sys

BROKEN_PIPE_STATUS = 141
HELP_ARGS = ("-h", "--help", "help")


def _own_commands() -> dict[str, str]:
    """Atelier's commands (those of the atelier.* apps): hyphenated name -> first help line."""
    from django.core.management import get_commands, load_command_class

    found = {}
    for name, app in sorted(get_commands().items()):
        if app.startswith("atelier.") and not name.startswith("_"):
            text = str(load_command_class(app, name).help or "").strip()
            found[name.replace("_", "-")] = text.split(". ")[0].rstrip(".") + "." if text else ""
    return found


def help_text() -> str:
    """`atelier --help`: Atelier's commands first, with their hyphenated names (as in the
    README), then the other management commands (Django's and the libraries')."""
    import django
    from django.core.management import get_commands

    django.setup()
    own = _own_commands()
    others = sorted(n for n, app in get_commands().items() if not app.startswith("atelier."))
    width = max(len(n) for n in own) if own else 0
    lines = [
        "Usage : atelier COMMANDE [options]   (atelier COMMANDE --help pour ses options)",
        "",
        "Commandes d'Atelier :",
        *(f"  {name:<{width}}  {text}" for name, text in own.items()),
        "",
        "Autres commandes (Django et bibliothèques) :",
        *(f"  {name}" for name in others),
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
        if argv[1] == "help" and len(argv) > 2:  # atelier help import-sirene
            argv[2] = argv[2].replace("-", "_")
    argv[0] = "atelier"
    try:
        if len(argv) == 1 or (len(argv) == 2 and argv[1] in HELP_ARGS):
            sys.stdout.write(help_text())
            sys.stdout.flush()
        else:
            execute_from_command_line(argv)
    except BrokenPipeError:
        # The reader went away: stop writing, and let the interpreter's final flush of stdout
        # go to /dev/null instead of raising a second time.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(BROKEN_PIPE_STATUS)


if __name__ == "__main__":
    main()
