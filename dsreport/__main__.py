"""Allow ``python -m dsreport``."""

from dsreport.cli import main

if __name__ == "__main__":
    main()
