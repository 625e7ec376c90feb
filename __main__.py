from __future__ import annotations

from policydiff.cli import main

raise SystemExit(main())
