"""The `atelier` console command: Django's management commands under one short name.

atelier load-reference          ->  manage.py load_reference
atelier import-sirene --help    ->  manage.py import_sirene --help
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    argv[0] = "atelier"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
