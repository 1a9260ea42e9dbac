"""Entry point of an Mxcp Python worker process; started by the Mxcp host, never by hand.

The host speaks length-prefixed JSON-RPC over this process's stdin and stdout. Before anything else runs, the
worker moves the protocol to private file descriptors and points fds 0 and 1 at /dev/null and stderr, so that
nothing user code prints or reads can touch the protocol.
"""

import os
import sys

if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from mxcp._host.worker import main

    main()
