"""What every benchmark accepts: a scale (`--scale`, or SCALE in the environment; 1 is full size)."""

import os


def add_scale_argument(parser) -> None:
    parser.add_argument(
        "--scale",
        type=float,
        default=float(os.environ.get("SCALE", "1")),
        help="Fraction of the full-size data set (default: SCALE from the environment, else 1).",
    )


def scaled(full: int, scale: float, *, minimum: int) -> int:
    """`full` times `scale`, never below `minimum` (the least the benchmark needs to mean anything)."""
    return max(minimum, round(full * scale))
