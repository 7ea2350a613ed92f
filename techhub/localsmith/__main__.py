"""``python -m techhub.localsmith``: serve the local LangSmith-compatible server in the foreground."""

from techhub.localsmith.server import main

if __name__ == "__main__":
    main()
