"""`triangulate-dbt`: dbt, unable to outlive the refresh that started it.

dagster-dbt starts dbt with a plain `subprocess.Popen` (same process group, no parent-death
signal), so a refresh killed with kill -9 left dbt running on, writing the warehouse and holding
its lock until the next refresh failed on it. The dbt resource runs this wrapper instead of dbt:
it puts dbt in a process group of its own (a Ctrl-C at the terminal reaches only the refresh,
which stops dbt through dagster-dbt), asks Linux to SIGKILL it the moment its parent dies
(PR_SET_PDEATHSIG survives exec), then becomes dbt, or hands the command to the refresh's
warm dbt process (pipelines.defs.dbt.warm) when there is one. Nothing else is imported
(pipelines.lib.process_guard imports only the standard library): it adds no start-up time.
"""

import os
import sys
from pathlib import Path

from pipelines.lib.process_guard import die_with_parent


def main() -> None:
    os.setpgid(0, 0)
    die_with_parent()
    from pipelines.defs.dbt.warm import SOCKET_VARIABLE, run_in_warm_process

    warm = os.environ.get(SOCKET_VARIABLE)
    code = run_in_warm_process(warm, sys.argv[1:]) if warm else None
    if code is not None:
        sys.exit(code)
    dbt = Path(sys.executable).with_name("dbt")
    os.execv(dbt, [str(dbt), *sys.argv[1:]])


if __name__ == "__main__":
    main()
