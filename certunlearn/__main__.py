"""Allow ``python -m certunlearn``."""

from certunlearn.cli.main import main

raise SystemExit(main())
