import sys

try:
    from router.cli import main

    code = main()
except KeyboardInterrupt:  # Ctrl-C before a command's own signal handling took over (still importing)
    code = 130
sys.exit(code)
