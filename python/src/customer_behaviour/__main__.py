"""Allow ``python -m customer_behaviour``."""

from customer_behaviour.cli import main

raise SystemExit(main())
