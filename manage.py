#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
    # A management command is background work and connects as the system role; the development web
    # server serves people and connects as the web role, whatever the environment says.
    if sys.argv[1:2] == ["runserver"]:
        os.environ["KAM_PROCESS"] = "web"
    else:
        os.environ.setdefault("KAM_PROCESS", "system")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
