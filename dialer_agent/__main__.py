import sys

from dialer_agent.cli import main

sys.exit(main())
