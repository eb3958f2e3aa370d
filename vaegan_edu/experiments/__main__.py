"""``python -m vaegan_edu.experiments list | run NAME [--seeds N] [--quick] [--restart] [--dir D] | verify``."""

from __future__ import annotations

import argparse
import sys


def main(argv=None) -> int:
    from vaegan_edu import experiments

    parser = argparse.ArgumentParser(prog="python -m vaegan_edu.experiments",
                                     description="Run and check the book's verdict-bearing studies.")  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="the registered protocols and the state of their shipped results")
    run = sub.add_parser("run", help="run a protocol seed by seed (resumes an interrupted run)")
    run.add_argument("name")
    run.add_argument("--seeds", type=int, default=None, help="number of seeds (default: the protocol's)")
    run.add_argument("--quick", action="store_true", help="smoke-test budgets, written as NAME.quick.json")
    run.add_argument("--restart", action="store_true", help="discard results of another configuration")
    run.add_argument("--dir", default=None, help="results folder (default: the shipped data/experiments)")
    verify = sub.add_parser("verify", help="check the shipped results against their protocols and the data")
    verify.add_argument("--dir", default=None)
    args = parser.parse_args(argv)
    if args.command == "list":
        for name in experiments.names():
            protocol = experiments.get(name)
            try:
                result = experiments.load(name, args.dir if hasattr(args, "dir") else None)
                state = f"{len(result.seeds)} seed(s) shipped"
            except (FileNotFoundError, experiments.ResultsError) as err:
                state = f"not shipped or stale: {str(err).splitlines()[0][:80]}..."
            print(f"{name:12s} {protocol.title} [{protocol.config['seeds']} seeds; {state}]")
        return 0
    if args.command == "run":
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
