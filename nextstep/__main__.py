import sys

from nextstep.bot.cli import main

sys.exit(main())
