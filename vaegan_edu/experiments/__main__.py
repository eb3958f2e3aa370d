"""``python -m vaegan_edu.experiments list | run NAME [--seeds N] [--workers N | --scheduler ADDRESS] [--quick]
[--restart] [--dir D] | verify``.

Every error reaches the user as one line on stderr, with exit status 2 (``--debug`` shows the traceback).
"""

from __future__ import annotations

import argparse
import sys

MAX_SEEDS = 1_000  # a study of more seeds than this is a typo (``--seeds 1000000000`` would run out of memory)


def main(argv=None) -> int:
    from vaegan_edu import experiments

    parser = argparse.ArgumentParser(prog="python -m vaegan_edu.experiments",
                                     description="Run and check the book's verdict-bearing studies.")  # fmt: skip
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True)
    listing = sub.add_parser("list", help="the registered protocols and the state of their shipped results")
    listing.add_argument("--dir", default=None, help="results folder (default: the shipped data/experiments)")
    run = sub.add_parser("run", help="run a protocol seed by seed (resumes an interrupted run)")
    run.add_argument("name")
    run.add_argument("--seeds", type=int, default=None, help=f"number of seeds (default: the protocol's; at most "
                     f"{MAX_SEEDS})")
    run.add_argument("--quick", action="store_true", help="smoke-test budgets, written as NAME.quick.json")
    run.add_argument("--restart", action="store_true",
                     help="move results of another configuration (or a damaged file) aside to a backup; start over")
    run.add_argument("--dir", default=None, help="results folder (default: the shipped data/experiments)")
    run.add_argument("--workers", type=int, default=None,
                     help="run seeds in parallel on a Dask LocalCluster of N worker processes")
    run.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="run seeds on the Dask cluster at ADDRESS (tcp://host:8786; Slurm: dask-jobqueue)")
    verify = sub.add_parser("verify", help="check the shipped results against their protocols and the data")
    verify.add_argument("--dir", default=None)
    args = parser.parse_args(argv)
    try:
        return _command(experiments, args)
    except (ValueError, TypeError, OSError, KeyError, TimeoutError, ImportError) as err:
        if args.debug:
            raise
        message = str(err.args[0]) if isinstance(err, KeyError) and err.args else str(err)
        print(f"python -m vaegan_edu.experiments {args.command}: error: {' '.join(message.split())}",
              file=sys.stderr, flush=True)  # fmt: skip
        return 2


def _command(experiments, args) -> int:
    if args.command == "list":
        for name in experiments.names():
            protocol = experiments.get(name)
            try:
                result = experiments.load(name, args.dir)
                state = f"{len(result.seeds)} seed(s) shipped"
            except (FileNotFoundError, experiments.ResultsError) as err:
                state = f"not shipped, stale or unreadable: {str(err).splitlines()[0][:100]}..."
            print(f"{name:12s} {protocol.title} [{protocol.config['seeds']} seeds; {state}]")
        return 0
    if args.command == "run":
        if args.seeds is not None and not 1 <= args.seeds <= MAX_SEEDS:
            raise ValueError(f"--seeds must be between 1 and {MAX_SEEDS}; received {args.seeds}.")
        if args.workers is not None or args.scheduler is not None:
            experiments.run_distributed(args.name, seeds=args.seeds, quick=args.quick, directory=args.dir,
                                        restart=args.restart, workers=args.workers, scheduler=args.scheduler)
        else:
            experiments.run(args.name, seeds=args.seeds, quick=args.quick, directory=args.dir, restart=args.restart)
        return 0
    problems = experiments.verify(args.dir)
    for line in problems:
        print(f"FAIL {line}")
    if not problems:
        print(f"ok: every protocol's shipped results match its configuration and data ({', '.join(experiments.names())})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
