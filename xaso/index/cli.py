"""``xaso score`` — scoring from files, with no database.

    xaso score FRAMEWORK.yaml DATA.(csv|xlsx) [--out FILE.(csv|xlsx|json)]
               [--groups FILE] [--uncertainty N] [--seed S]

Without ``--out`` a Vietnamese table is printed. Bad input stops with exit status 1 and
every problem (node path, or file/row/column), in Vietnamese and English; nothing is
written unless the whole run succeeds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from xaso.index.errors import EngineError
from xaso.index.loading import load_framework
from xaso.index.scoring import score
from xaso.index.tabular import format_table, read_data, read_groups, write_results
from xaso.index.uncertainty import MonteCarloResult, monte_carlo

OUTPUT_SUFFIXES = (".csv", ".xlsx", ".json")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xaso",
        description="Chấm điểm bộ chỉ số chuyển đổi số / Score a digital transformation index",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "score",
        help="chấm điểm và xếp hạng / score and rank",
        description="Chấm điểm các đơn vị theo bộ chỉ số / Score units on a framework",
    )
    run.add_argument("framework", type=Path, help="bộ chỉ số / framework (.yaml)")
    run.add_argument("data", type=Path, help="số liệu / data (.csv, .xlsx)")
    run.add_argument("--out", type=Path, help="kết quả / results (.csv, .xlsx, .json)")
    run.add_argument("--groups", type=Path, help="nhóm so sánh / peer groups (.csv, .xlsx)")
    run.add_argument(
        "--uncertainty",
        type=int,
        default=0,
        metavar="N",
        help="số lần mô phỏng Monte Carlo / Monte Carlo draws",
    )
    run.add_argument("--seed", type=int, default=0, help="hạt giống ngẫu nhiên / random seed")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``xaso score`` and ``python -m xaso.index``; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.out is not None and args.out.suffix.lower() not in OUTPUT_SUFFIXES:
        parser.error(
            f"--out phải là .csv, .xlsx hoặc .json / --out must be .csv, .xlsx or .json: {args.out}"
        )
    if args.uncertainty < 0:
        parser.error("--uncertainty phải ≥ 0 / --uncertainty must be ≥ 0")
    try:
        framework = load_framework(args.framework)
        data = read_data(framework, args.data)
        groups = read_groups(args.groups, data.units) if args.groups is not None else None
        results = score(framework, data, groups=groups)
        mc: MonteCarloResult | None = None
        if args.uncertainty:
            mc = monte_carlo(framework, data, draws=args.uncertainty, seed=args.seed)
        if args.out is not None:
            write_results(results, args.out, mc)
            print(
                f"Đã ghi {len(results.units)} đơn vị vào {args.out} / "
                f"Wrote {len(results.units)} units to {args.out}"
            )
        else:
            print(f"{framework.name_vi} ({framework.code} {framework.version})")
            print(format_table(results, mc))
    except EngineError as exc:
        kind = (
            "Lỗi bộ chỉ số / Framework error"
            if "Framework" in type(exc).__name__
            else ("Lỗi dữ liệu / Data error")
        )
        print(f"{kind} ({len(exc.issues)}):", file=sys.stderr)
        for issue in exc.issues:
            print(f"  {issue.location}", file=sys.stderr)
            print(f"    {issue.message_vi}", file=sys.stderr)
            print(f"    {issue.message_en}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"Lỗi ghi tệp / Cannot write: {exc}", file=sys.stderr)
        return 1
    return 0
