"""The `atelier` command: its help lists Atelier's own commands first (hyphenated names, as in
the README), and a reader that stops early ends it quietly (status 141, no traceback)."""

import os
import subprocess
import sys

from atelier import cli


def _run(*args, stdout=subprocess.PIPE):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "atelier.cli", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        env=env,
        check=False,
    )


def test_help_lists_atelier_commands_first_with_hyphenated_names():
    text = cli.help_text()
    own, others = text.split("Autres commandes")
    for name in ("load-reference", "import-sirene", "export", "personal-data", "search-index"):
        assert f"\n  {name} " in own
    assert "load_reference" not in text
    assert "migrate" in others and "migrate" not in own


def test_atelier_and_atelier_help_print_that_help():
    for args in ((), ("--help",), ("help",)):
        done = _run(*args)
        assert done.returncode == 0
        assert done.stdout.decode().index("Commandes d'Atelier") < done.stdout.decode().index(
            "Autres commandes"
        )


def test_help_of_one_command_takes_its_hyphenated_name():
    done = _run("help", "personal-data")
    assert done.returncode == 0
    assert "--email" in done.stdout.decode()


def test_a_reader_that_went_away_ends_the_command_quietly():
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head` that already exited: every write is EPIPE
    try:
        done = _run("--help", stdout=write_end)
    finally:
        os.close(write_end)
    assert done.returncode == cli.BROKEN_PIPE_STATUS
    assert done.stderr.decode() == ""
